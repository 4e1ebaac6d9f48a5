import Diffusion
import Foundation
import Tensor

/// A complete diffusers `StableDiffusionUpscalePipeline` folder with tiny random weights, shaped like the SD x4
/// upscaler where it matters: a UNet taking 4 latent + 3 image channels with 1000 noise-level classes and
/// only-cross-attention blocks, a three-block VAE (so images grow ×4) with the upscaler's scaling factor, and the
/// real upscaler's two scheduler configs.
public enum TinyStableDiffusionUpscale {
    /// The VAE's scale: how much the upscaler grows an image per side.
    public static let scale = 4

    public static func write(to root: URL, seed: UInt64 = 1) throws {
        var generator = RandomGenerator(seed: seed)
        try TinyStableDiffusion.writeTextEncoder(to: root, generator: &generator)

        let unet = try UNet2DConditionConfig.decode(Data("""
        {"sample_size": 16, "in_channels": 7, "out_channels": 4, "layers_per_block": 1,
         "block_out_channels": [8, 16], "down_block_types": ["DownBlock2D", "CrossAttnDownBlock2D"],
         "up_block_types": ["CrossAttnUpBlock2D", "UpBlock2D"], "only_cross_attention": [false, true],
         "cross_attention_dim": 8, "attention_head_dim": 2, "norm_num_groups": 4, "num_class_embeds": 1000,
         "use_linear_projection": true}
        """.utf8)).config
        try UNet2DConditionModel(config: unet, generator: &generator).save(folder: root.appendingPathComponent("unet").path)

        let vae = try AutoencoderKLConfig.decode(Data("""
        {"in_channels": 3, "out_channels": 3, "latent_channels": 4, "block_out_channels": [8, 8, 8],
         "down_block_types": ["DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D"],
         "up_block_types": ["UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D"], "layers_per_block": 1,
         "norm_num_groups": 4, "sample_size": 64, "scaling_factor": 0.08333}
        """.utf8)).config
        try AutoencoderKL(config: vae, generator: &generator).save(folder: root.appendingPathComponent("vae").path)

        let shipped = TinyStableDiffusion.repository.appendingPathComponent("Tests/DiffusionTests/Fixtures/configs/x4-upscaler")
        for component in ["scheduler", "low_res_scheduler"] {
            let folder = root.appendingPathComponent(component)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: shipped.appendingPathComponent("\(component)/scheduler_config.json"),
                                             to: folder.appendingPathComponent("scheduler_config.json"))
        }
        try TinyStableDiffusion.copyTokenizer(to: root)
        try Data("""
        {"_class_name": "StableDiffusionUpscalePipeline", "_diffusers_version": "0.42.1", "max_noise_level": 350,
         "text_encoder": ["transformers", "CLIPTextModel"], "tokenizer": ["transformers", "CLIPTokenizer"],
         "unet": ["diffusers", "UNet2DConditionModel"], "vae": ["diffusers", "AutoencoderKL"],
         "scheduler": ["diffusers", "DDIMScheduler"], "low_res_scheduler": ["diffusers", "DDPMScheduler"]}
        """.utf8).write(to: root.appendingPathComponent("model_index.json"))
    }
}
