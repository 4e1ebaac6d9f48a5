import Foundation
import SafeTensors
import Tensor

extension CLIPTextModel {
    /// Loads a transformers `CLIPTextModel` folder (e.g. a Stable Diffusion model's `text_encoder/`): its
    /// `config.json`, validated, and `model.safetensors` (or `model.<variant>.safetensors`, e.g. `fp16`, widened to
    /// Float32), strictly: a missing, unexpected or misshapen tensor is an error naming it and the file. Names with
    /// or without the `text_model.` prefix are accepted.
    public convenience init(folder: String, variant: String? = nil) throws {
        let loaded = try TransformersCheckpoint.config(CLIPTextConfig.self, in: folder)
        var generator = RandomGenerator(seed: 0)
        try self.init(loaded.config, generator: &generator)
        ignoredConfigKeys = loaded.ignoredKeys
        try TransformersCheckpoint.load(self, folder: folder, variant: variant, wrapper: "text_model.")
    }

    /// Writes `config.json` and `model.safetensors` (F32 or F16, transformers 4 names) into `folder`, which
    /// transformers' `CLIPTextModel.from_pretrained` and diffusers' pipelines load.
    public func save(folder: String, as dtype: SafeTensorsDType = .float32) throws {
        try TransformersCheckpoint.save(self, config: config, architecture: "CLIPTextModel",
                                        modelType: "clip_text_model", to: folder, as: dtype)
    }

    /// The `text_encoder` component of `dbrun model run` (DESIGN.md): `input_ids` (integer, `[N, T]` or `[T]`) in;
    /// `last_hidden_state` `[N, T, E]` and `pooler_output` `[N, E]` out.
    public func runComponent(inputs: SafeTensorsFile) throws -> [String: Tensor] {
        let info = try inputs.info("input_ids")
        let flat = try inputs.integers("input_ids")
        guard info.shape.count == 1 || info.shape.count == 2, let t = info.shape.last, t > 0 else {
            throw ModelInputError(model: "CLIPTextModel", input: "input_ids",
                                  "shape \(info.shape) in \(inputs.path), expected [N, T] or [T]")
        }
        let rows = (0..<(flat.count / t)).map { Array(flat[($0 * t)..<(($0 + 1) * t)]) }
        let out = try noGrad { try self(rows) }
        return ["last_hidden_state": out.lastHiddenState, "pooler_output": out.pooledOutput]
    }
}
