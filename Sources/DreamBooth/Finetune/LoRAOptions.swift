import Diffusion
import Foundation
import Pipeline
import Pretraining
import SafeTensors
import Tensor

/// `use_lora` and its options, under the names of diffusers' `train_dreambooth_lora.py` (`rank`, `lora_alpha`,
/// `lora_dropout`) plus `lora_target_modules`: which layers get adapters, and writing them as files that diffusers
/// (`pipe.load_lora_weights`) and kohya/A1111 load.
struct LoRAOptions {
    var config: LoRAConfig
    var textEncoderConfig: LoRAConfig

    /// nil when the stage trains the full model.
    init?(_ p: StageParameters) throws {
        guard try p.bool("use_lora", default: false) else { return nil }
        let rank = try p.int("rank", default: 4)
        let alpha = try p.optionalDouble("lora_alpha").map(Float.init) ?? Float(rank)
        let dropout = try p.float("lora_dropout", default: 0)
        config = LoRAConfig(rank: rank, alpha: alpha,
                            targetModules: try p.strings("lora_target_modules", default: LoRAConfig.unetAttentionTargets),
                            dropout: dropout)
        textEncoderConfig = LoRAConfig(rank: rank, alpha: alpha, targetModules: LoRAConfig.textEncoderAttentionTargets,
                                       dropout: dropout)
        do {
            try config.validate()
        } catch {
            throw PipelineError.invalid(at: p.node("rank")?.location ?? p.stage.location, "stage '\(p.stage.name)': \(error)")
        }
    }

    /// The adapters' files: diffusers' `pytorch_lora_weights.safetensors` and kohya's `lora_kohya.safetensors`.
    static let kohyaFileName = "lora_kohya.safetensors"

    static func write(_ adapters: [LoRAComponent: LoRAAdapters], to folder: URL, as dtype: SafeTensorsDType) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try LoRA.save(adapters, to: folder.appendingPathComponent(LoRA.diffusersWeightName).path, format: .diffusers, as: dtype)
        try LoRA.save(adapters, to: folder.appendingPathComponent(kohyaFileName).path, format: .kohya, as: dtype)
    }
}
