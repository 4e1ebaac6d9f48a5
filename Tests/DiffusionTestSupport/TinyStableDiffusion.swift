import Diffusion
import Foundation
import Tensor

/// A complete diffusers-layout Stable Diffusion folder with tiny random weights, built by dbrun's own classes:
/// enough to run every stage of sampling end to end in a debug build.
public enum TinyStableDiffusion {
    public static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    public static func write(to root: URL, seed: UInt64 = 0) throws {
        var generator = RandomGenerator(seed: seed)

        try writeTextEncoder(to: root, generator: &generator)

        let unet = try UNet2DConditionConfig.decode(Data("""
        {"sample_size": 8, "in_channels": 4, "out_channels": 4, "layers_per_block": 1,
         "block_out_channels": [8, 16], "down_block_types": ["CrossAttnDownBlock2D", "DownBlock2D"],
         "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D"], "cross_attention_dim": 8,
         "attention_head_dim": 2, "norm_num_groups": 4}
        """.utf8)).config
        try UNet2DConditionModel(config: unet, generator: &generator).save(folder: root.appendingPathComponent("unet").path)

        let vae = try AutoencoderKLConfig.decode(Data("""
        {"in_channels": 3, "out_channels": 3, "latent_channels": 4, "block_out_channels": [8, 8],
         "down_block_types": ["DownEncoderBlock2D", "DownEncoderBlock2D"],
         "up_block_types": ["UpDecoderBlock2D", "UpDecoderBlock2D"], "layers_per_block": 1, "norm_num_groups": 4,
         "sample_size": 16}
        """.utf8)).config
        try AutoencoderKL(config: vae, generator: &generator).save(folder: root.appendingPathComponent("vae").path)

        let scheduler = root.appendingPathComponent("scheduler")
        try FileManager.default.createDirectory(at: scheduler, withIntermediateDirectories: true)
        try Data("""
        {"_class_name": "PNDMScheduler", "beta_start": 0.00085, "beta_end": 0.012, "beta_schedule": "scaled_linear",
         "num_train_timesteps": 1000, "skip_prk_steps": true, "steps_offset": 1, "set_alpha_to_one": false,
         "clip_sample": false, "prediction_type": "epsilon"}
        """.utf8).write(to: scheduler.appendingPathComponent("scheduler_config.json"))

        try copyTokenizer(to: root)
        try Data("""
        {"_class_name": "StableDiffusionPipeline", "_diffusers_version": "0.42.1",
         "text_encoder": ["transformers", "CLIPTextModel"], "tokenizer": ["transformers", "CLIPTokenizer"],
         "unet": ["diffusers", "UNet2DConditionModel"], "vae": ["diffusers", "AutoencoderKL"],
         "scheduler": ["diffusers", "PNDMScheduler"]}
        """.utf8).write(to: root.appendingPathComponent("model_index.json"))
    }

    /// A one-layer CLIP text encoder of width 8 (the cross-attention width of both tiny UNets).
    static func writeTextEncoder(to root: URL, generator: inout RandomGenerator) throws {
        let text = try CLIPTextConfig.decode(Data("""
        {"vocab_size": 49408, "hidden_size": 8, "intermediate_size": 16, "num_hidden_layers": 1,
         "num_attention_heads": 2, "max_position_embeddings": 77, "hidden_act": "quick_gelu",
         "bos_token_id": 49406, "eos_token_id": 49407, "pad_token_id": 1, "projection_dim": 8}
        """.utf8)).config
        try CLIPTextModel(text, generator: &generator).save(folder: root.appendingPathComponent("text_encoder").path)
    }

    /// The CLIP tokenizer shipped in models/clip-tokenizer (the real one: prompts tokenize as in Stable Diffusion).
    static func copyTokenizer(to root: URL) throws {
        try FileManager.default.copyItem(at: repository.appendingPathComponent("models/clip-tokenizer"),
                                         to: root.appendingPathComponent("tokenizer"))
    }
}
