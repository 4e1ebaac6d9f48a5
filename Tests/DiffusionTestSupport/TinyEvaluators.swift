import Diffusion
import Foundation
import Tensor

/// The evaluators DreamBooth's `evaluate` stage loads, as transformers folders with tiny random weights: a CLIPModel
/// (with the real CLIP tokenizer, so prompts tokenize as in Stable Diffusion) and a DINO-layout ViTModel.
public enum TinyEvaluators {
    public static func writeCLIP(to folder: URL, seed: UInt64 = 2) throws {
        var generator = RandomGenerator(seed: seed)
        let config = try CLIPConfig.decode(Data("""
        {"projection_dim": 8, "logit_scale_init_value": 2.6592,
         "text_config": {"vocab_size": 49408, "hidden_size": 8, "intermediate_size": 16, "num_hidden_layers": 1,
                         "num_attention_heads": 2, "max_position_embeddings": 77, "hidden_act": "quick_gelu",
                         "bos_token_id": 49406, "eos_token_id": 49407, "pad_token_id": 1, "projection_dim": 8},
         "vision_config": {"hidden_size": 8, "intermediate_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2,
                           "image_size": 16, "patch_size": 8, "num_channels": 3, "hidden_act": "quick_gelu", "projection_dim": 8}}
        """.utf8)).config
        try CLIPModel(config, generator: &generator).save(folder: folder.path)
        try preprocessor(to: folder, """
        {"image_processor_type": "CLIPImageProcessor", "do_resize": true, "size": {"shortest_edge": 16},
         "do_center_crop": true, "crop_size": {"height": 16, "width": 16}, "do_rescale": true,
         "rescale_factor": 0.00392156862745098, "do_normalize": true, "do_convert_rgb": true, "resample": 3,
         "image_mean": [0.48145466, 0.4578275, 0.40821073], "image_std": [0.26862954, 0.26130258, 0.27577711]}
        """)
        let tokenizer = TinyStableDiffusion.repository.appendingPathComponent("models/clip-tokenizer")
        for name in ["vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json"] {
            try FileManager.default.copyItem(at: tokenizer.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
    }

    public static func writeDINO(to folder: URL, seed: UInt64 = 3) throws {
        var generator = RandomGenerator(seed: seed)
        let config = try ViTConfig.decode(Data("""
        {"hidden_size": 8, "intermediate_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2, "image_size": 16,
         "patch_size": 8, "num_channels": 3, "hidden_act": "gelu", "layer_norm_eps": 1e-12, "qkv_bias": true}
        """.utf8)).config
        try ViTModel(config, generator: &generator).save(folder: folder.path)
        try preprocessor(to: folder, """
        {"image_processor_type": "ViTImageProcessor", "do_resize": true, "size": {"height": 16, "width": 16},
         "do_rescale": true, "rescale_factor": 0.00392156862745098, "do_normalize": true, "resample": 2,
         "image_mean": [0.485, 0.456, 0.406], "image_std": [0.229, 0.224, 0.225]}
        """)
    }

    static func preprocessor(to folder: URL, _ json: String) throws {
        try Data(json.utf8).write(to: folder.appendingPathComponent("preprocessor_config.json"))
    }
}
