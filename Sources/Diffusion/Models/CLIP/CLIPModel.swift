import Foundation
import SafeTensors
import Tensor

/// What `CLIPModel` returns for a batch of texts and images (transformers' `CLIPOutput`).
public struct CLIPOutput {
    /// `[N_text, P]`, L2-normalised projections of the pooled text outputs.
    public let textEmbeds: Tensor
    /// `[N_image, P]`, L2-normalised projections of the pooled image outputs.
    public let imageEmbeds: Tensor
    /// `[N_image, N_text]`: cosine similarities times `exp(logit_scale)`.
    public let logitsPerImage: Tensor
}

/// transformers' `CLIPModel`: both towers with their bias-free projections into one space and the learned
/// temperature, so a real CLIP checkpoint scores image–text (CLIP-T) and image–image (CLIP-I) similarity.
public final class CLIPModel: Module {
    public let config: CLIPConfig
    public let textModel: CLIPTextTransformer
    public let visionModel: CLIPVisionTransformer
    public let visualProjection: Linear
    public let textProjection: Linear
    /// log of the logit temperature, shape `[]`.
    public var logitScale: Tensor
    /// Keys of the loaded `config.json` that neither dbrun nor transformers knows (transformers ignores them with a
    /// warning; the caller prints it). Empty for a model built in code.
    public internal(set) var ignoredConfigKeys: [String] = []

    public init(_ config: CLIPConfig, generator: inout RandomGenerator) throws(ConfigError) {
        try config.validate()
        self.config = config
        textModel = try CLIPTextTransformer(config.textConfig, generator: &generator)
        visionModel = try CLIPVisionTransformer(config.visionConfig, generator: &generator)
        visualProjection = Linear(config.visionConfig.hiddenSize, config.projectionDim, bias: false, generator: &generator)
        textProjection = Linear(config.textConfig.hiddenSize, config.projectionDim, bias: false, generator: &generator)
        logitScale = Tensor(scalar: Float(config.logitScaleInitValue)).requiringGrad()
    }

    /// Loads a transformers `CLIPModel` folder (e.g. `openai/clip-vit-large-patch14`): `config.json` and
    /// `model.safetensors`, strictly.
    public convenience init(folder: String) throws {
        let loaded = try TransformersCheckpoint.config(CLIPConfig.self, in: folder)
        var generator = RandomGenerator(seed: 0)
        try self.init(loaded.config, generator: &generator)
        ignoredConfigKeys = loaded.ignoredKeys
        try TransformersCheckpoint.load(self, folder: folder)
    }

    /// `get_text_features`: the projected pooled text output, `[N, P]`, not normalised.
    public func textFeatures(_ inputIDs: [[Int]]) throws(ModelInputError) -> Tensor {
        textProjection(try textModel(inputIDs).pooledOutput)
    }

    /// `get_image_features`: the projected pooled image output, `[N, P]`, not normalised.
    public func imageFeatures(_ pixels: Tensor) throws(ModelInputError) -> Tensor {
        visualProjection(try visionModel.forward(pixels).pooled)
    }

    /// Normalised embeddings of both and their scaled cosine similarities.
    public func callAsFunction(inputIDs: [[Int]], pixels: Tensor) throws(ModelInputError) -> CLIPOutput {
        let text = Self.normalized(try textFeatures(inputIDs))
        let image = Self.normalized(try imageFeatures(pixels))
        let logits = Tensor.matmul(image, text, transposeB: true) * logitScale.exp()
        return CLIPOutput(textEmbeds: text, imageEmbeds: image, logitsPerImage: logits)
    }

    /// Each row divided by its L2 norm (transformers' `x / ‖x‖`, no epsilon).
    public static func normalized(_ x: Tensor) -> Tensor {
        x / (x * x).sum(axis: -1, keepDim: true).sqrt()
    }

    public func visitParameters(_ v: inout ParameterVisitor) {
        v.child("text_model", textModel)
        v.child("vision_model", visionModel)
        v.child("visual_projection", visualProjection)
        v.child("text_projection", textProjection)
        v.parameter("logit_scale", &logitScale)
    }
}

extension CLIPModel {
    /// Writes `config.json` and `model.safetensors` (F32 or F16) into `folder`, which transformers'
    /// `CLIPModel.from_pretrained` loads.
    public func save(folder: String, as dtype: SafeTensorsDType = .float32) throws {
        try TransformersCheckpoint.save(self, config: config, architecture: "CLIPModel", modelType: "clip",
                                        to: folder, as: dtype)
    }
}
