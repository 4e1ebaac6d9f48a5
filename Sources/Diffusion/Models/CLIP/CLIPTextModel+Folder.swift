import Foundation
import Tensor

extension CLIPTextModel {
    /// Loads a transformers `CLIPTextModel` folder (e.g. a Stable Diffusion model's `text_encoder/`): its
    /// `config.json`, validated, and `model.safetensors`, strictly (a missing, unexpected or misshapen tensor is an
    /// error naming it and the file). Names with or without the `text_model.` prefix are accepted.
    public convenience init(folder: String) throws {
        let config = try TransformersCheckpoint.config(CLIPTextConfig.self, in: folder).config
        var generator = RandomGenerator(seed: 0)
        try self.init(config, generator: &generator)
        try TransformersCheckpoint.load(self, from: TransformersCheckpoint.weightsPath(in: folder), wrapper: "text_model.")
    }

    /// Writes `config.json` and `model.safetensors` (F32, transformers 4 names) into `folder`, which transformers'
    /// `CLIPTextModel.from_pretrained` and diffusers' pipelines load.
    public func save(folder: String) throws {
        try TransformersCheckpoint.save(self, config: config, architecture: "CLIPTextModel",
                                        modelType: "clip_text_model", to: folder)
    }
}
