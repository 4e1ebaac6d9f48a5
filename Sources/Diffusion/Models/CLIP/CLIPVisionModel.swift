import SafeTensors
import Tensor

/// transformers' `CLIPVisionEmbeddings`: a class token, non-overlapping patches by a bias-free convolution, and a
/// learned position per token.
public final class CLIPVisionEmbeddings: Module {
    public var classEmbedding: Tensor
    public let patchEmbedding: Conv2d
    public let positionEmbedding: Embedding
    let config: CLIPVisionConfig

    init(_ config: CLIPVisionConfig, generator: inout RandomGenerator) {
        self.config = config
        let e = config.hiddenSize, grid = config.imageSize / config.patchSize
        classEmbedding = Tensor.randn([e], generator: &generator).requiringGrad()
        patchEmbedding = Conv2d(config.numChannels, e, kernelSize: config.patchSize, stride: config.patchSize,
                                bias: false, generator: &generator)
        positionEmbedding = Embedding(grid * grid + 1, e, generator: &generator)
    }

    /// `[N, 1 + P, E]` for pixels `[N, C, H, W]` of the configured size.
    func callAsFunction(_ pixels: Tensor) throws(ModelInputError) -> Tensor {
        try VisionInput.check(pixels, channels: config.numChannels, size: config.imageSize, model: "CLIPVisionModel")
        let n = pixels.shape[0], e = config.hiddenSize
        let patches = patchEmbedding(pixels).flattened(from: 2).transposed(1, 2)
        let cls = classEmbedding.reshaped([1, 1, e]) + Tensor.zeros([n, 1, e])
        let tokens = patches.shape[1] + 1
        return Tensor.concat([cls, patches], axis: 1) + positionEmbedding.weight.reshaped([1, tokens, e])
    }

    public func visitParameters(_ v: inout ParameterVisitor) {
        v.parameter("class_embedding", &classEmbedding)
        v.child("patch_embedding", patchEmbedding)
        v.child("position_embedding", positionEmbedding)
    }
}

/// What a vision tower returns (transformers' `BaseModelOutputWithPooling`).
public struct VisionOutput {
    /// `[N, 1 + P, E]`: the class token, then one token per patch.
    public let lastHiddenState: Tensor
    /// `[N, E']`: the model's pooled class token (CLIP: `post_layernorm` of it; ViT: the pooler, when present).
    public let pooledOutput: Tensor?
}

/// transformers' `CLIPVisionTransformer` (the module under `vision_model.`): embeddings, `pre_layrnorm` (the
/// checkpoint's spelling), a pre-norm encoder, and `post_layernorm` applied to the class token only.
public final class CLIPVisionTransformer: Module {
    public let config: CLIPVisionConfig
    public let embeddings: CLIPVisionEmbeddings
    public let preLayerNorm: LayerNorm
    public let encoder: CLIPEncoder
    public let postLayerNorm: LayerNorm

    public init(_ config: CLIPVisionConfig, generator: inout RandomGenerator) throws(ConfigError) {
        try config.validate()
        self.config = config
        let eps = Float(config.layerNormEps)
        embeddings = CLIPVisionEmbeddings(config, generator: &generator)
        preLayerNorm = LayerNorm(config.hiddenSize, eps: eps)
        let shape = CLIPEncoderShape(
            hiddenSize: config.hiddenSize, intermediateSize: config.intermediateSize, heads: config.numAttentionHeads,
            layers: config.numHiddenLayers, layerNormEps: eps, activation: try TransformerActivation(hiddenAct: config.hiddenAct))
        encoder = CLIPEncoder(shape, generator: &generator)
        postLayerNorm = LayerNorm(config.hiddenSize, eps: eps)
    }

    /// Runs the image tower on pixels `[N, C, image_size, image_size]` (as `CLIPImageProcessor` makes them).
    public func callAsFunction(_ pixels: Tensor) throws(ModelInputError) -> VisionOutput {
        let (hidden, pooled) = try forward(pixels)
        return VisionOutput(lastHiddenState: hidden, pooledOutput: pooled)
    }

    /// The last hidden state and the pooled class token (always present for CLIP).
    func forward(_ pixels: Tensor) throws(ModelInputError) -> (hidden: Tensor, pooled: Tensor) {
        let hidden = encoder(preLayerNorm(try embeddings(pixels)), causal: false)
        return (hidden, postLayerNorm(VisionInput.classToken(hidden)))
    }

    public func visitParameters(_ v: inout ParameterVisitor) {
        v.child("embeddings", embeddings)
        v.child("pre_layrnorm", preLayerNorm)
        v.child("encoder", encoder)
        v.child("post_layernorm", postLayerNorm)
    }
}

/// transformers' `CLIPVisionModel`: the image tower under `vision_model.` (transformers 4 names; transformers 5
/// files without the prefix load too).
public final class CLIPVisionModel: Module {
    public let visionModel: CLIPVisionTransformer
    public var config: CLIPVisionConfig { visionModel.config }
    /// Keys of the loaded `config.json` that neither dbrun nor transformers knows (transformers ignores them with a
    /// warning; the caller prints it). Empty for a model built in code.
    public internal(set) var ignoredConfigKeys: [String] = []

    public init(_ config: CLIPVisionConfig, generator: inout RandomGenerator) throws(ConfigError) {
        visionModel = try CLIPVisionTransformer(config, generator: &generator)
    }

    /// Loads a transformers `CLIPVisionModel` folder (`config.json` + `model.safetensors`), strictly.
    public convenience init(folder: String) throws {
        let loaded = try TransformersCheckpoint.config(CLIPVisionConfig.self, in: folder)
        var generator = RandomGenerator(seed: 0)
        try self.init(loaded.config, generator: &generator)
        ignoredConfigKeys = loaded.ignoredKeys
        try TransformersCheckpoint.load(self, folder: folder, wrapper: "vision_model.")
    }

    public func callAsFunction(_ pixels: Tensor) throws(ModelInputError) -> VisionOutput { try visionModel(pixels) }

    public func visitParameters(_ v: inout ParameterVisitor) { v.child("vision_model", visionModel) }
}

/// Checks and slicing shared by the vision towers.
enum VisionInput {
    /// Pixels must be `[N, channels, size, size]`: position tables are learned for one size (transformers raises
    /// the same error unless asked to interpolate them).
    static func check(_ pixels: Tensor, channels: Int, size: Int, model: String) throws(ModelInputError) {
        guard pixels.rank == 4, pixels.shape[0] > 0, pixels.shape[1] == channels, pixels.shape[2] == size,
              pixels.shape[3] == size else {
            throw ModelInputError(model: model, input: "pixel_values",
                                  "shape \(pixels.shape), expected [N, \(channels), \(size), \(size)]")
        }
    }

    /// Token 0 of `[N, T, E]` as `[N, E]`.
    static func classToken(_ hidden: Tensor) -> Tensor {
        hidden.slice(axis: 1, 0..<1).reshaped([hidden.shape[0], hidden.shape[2]])
    }
}

extension CLIPVisionModel {
    /// Writes `config.json` and `model.safetensors` (F32 or F16, transformers 4 names) into `folder`, which
    /// transformers' `CLIPVisionModel.from_pretrained` loads.
    public func save(folder: String, as dtype: SafeTensorsDType = .float32) throws {
        try TransformersCheckpoint.save(self, config: config, architecture: "CLIPVisionModel",
                                        modelType: "clip_vision_model", to: folder, as: dtype)
    }
}
