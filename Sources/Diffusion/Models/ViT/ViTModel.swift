import Foundation
import SafeTensors
import Tensor

/// transformers' `ViTEmbeddings`: `cls_token` `[1, 1, E]`, `patch_embeddings.projection` (a strided convolution
/// with bias) and `position_embeddings` `[1, 1 + P, E]`, the last two stored as bare parameters.
public final class ViTEmbeddings: Module {
    public var clsToken: Tensor
    public let patchEmbeddings: ViTPatchEmbeddings
    public var positionEmbeddings: Tensor
    let config: ViTConfig

    init(_ config: ViTConfig, generator: inout RandomGenerator) {
        self.config = config
        let e = config.hiddenSize, grid = config.imageSize / config.patchSize
        clsToken = Tensor.randn([1, 1, e], std: 0.02, generator: &generator).requiringGrad()
        patchEmbeddings = ViTPatchEmbeddings(config, generator: &generator)
        positionEmbeddings = Tensor.randn([1, grid * grid + 1, e], std: 0.02, generator: &generator).requiringGrad()
    }

    func callAsFunction(_ pixels: Tensor) throws(ModelInputError) -> Tensor {
        try VisionInput.check(pixels, channels: config.numChannels, size: config.imageSize, model: "ViTModel")
        let n = pixels.shape[0]
        let patches = patchEmbeddings.projection(pixels).flattened(from: 2).transposed(1, 2)
        let cls = clsToken + Tensor.zeros([n, 1, config.hiddenSize])
        return Tensor.concat([cls, patches], axis: 1) + positionEmbeddings
    }

    public func visitParameters(_ v: inout ParameterVisitor) {
        v.parameter("cls_token", &clsToken)
        v.child("patch_embeddings", patchEmbeddings)
        v.parameter("position_embeddings", &positionEmbeddings)
    }
}

/// transformers' `ViTPatchEmbeddings`: one `projection` convolution, kernel and stride `patch_size`.
public final class ViTPatchEmbeddings: Module {
    public let projection: Conv2d

    init(_ config: ViTConfig, generator: inout RandomGenerator) {
        projection = Conv2d(config.numChannels, config.hiddenSize, kernelSize: config.patchSize,
                            stride: config.patchSize, generator: &generator)
    }

    public func visitParameters(_ v: inout ParameterVisitor) { v.child("projection", projection) }
}

/// transformers' `ViTPooler`: tanh(dense(class token)).
public final class ViTPooler: Module {
    public let dense: Linear

    init(_ config: ViTConfig, generator: inout RandomGenerator) {
        dense = Linear(config.hiddenSize, config.hiddenSize, generator: &generator)
    }

    public func visitParameters(_ v: inout ParameterVisitor) { v.child("dense", dense) }
}

/// transformers' `ViTModel` as DINO ViT-S/16 (`facebook/dino-vits16`) uses it: embeddings, a pre-norm encoder, a
/// final `layernorm`, and the optional `pooler` (present in the checkpoint or not; `init(folder:)` follows the file).
///
/// DINO's image feature is the class token of `last_hidden_state` (`classEmbedding`), not the pooler, which DINO
/// never trained.
public final class ViTModel: Module {
    public let config: ViTConfig
    public let embeddings: ViTEmbeddings
    public let encoder: ViTEncoder
    public let layernorm: LayerNorm
    public let pooler: ViTPooler?
    /// Keys of the loaded `config.json` that neither dbrun nor transformers knows (transformers ignores them with a
    /// warning; the caller prints it). Empty for a model built in code.
    public internal(set) var ignoredConfigKeys: [String] = []

    public init(_ config: ViTConfig, addPoolingLayer: Bool = true, generator: inout RandomGenerator) throws(ConfigError) {
        try config.validate()
        self.config = config
        let activation = try TransformerActivation(hiddenAct: config.hiddenAct)
        embeddings = ViTEmbeddings(config, generator: &generator)
        encoder = ViTEncoder(config, activation: activation, generator: &generator)
        layernorm = LayerNorm(config.hiddenSize, eps: Float(config.layerNormEps))
        pooler = addPoolingLayer ? ViTPooler(config, generator: &generator) : nil
    }

    /// Loads a transformers `ViTModel` folder strictly; the pooler is built if and only if the file holds
    /// `pooler.dense.weight`.
    public convenience init(folder: String) throws {
        let loaded = try TransformersCheckpoint.config(ViTConfig.self, in: folder)
        let hasPooler = try CheckpointWeights(folder: folder).entries["pooler.dense.weight"] != nil
        var generator = RandomGenerator(seed: 0)
        try self.init(loaded.config, addPoolingLayer: hasPooler, generator: &generator)
        ignoredConfigKeys = loaded.ignoredKeys
        try TransformersCheckpoint.load(self, folder: folder)
    }

    /// Runs the model on pixels `[N, C, image_size, image_size]` (as `ViTImageProcessor` makes them).
    public func callAsFunction(_ pixels: Tensor) throws(ModelInputError) -> VisionOutput {
        let hidden = layernorm(encoder(try embeddings(pixels)))
        let pooled = pooler.map { $0.dense(VisionInput.classToken(hidden)).tanh() }
        return VisionOutput(lastHiddenState: hidden, pooledOutput: pooled)
    }

    /// The class token of the normalised last hidden state, `[N, E]`: the DINO image embedding.
    public func classEmbedding(_ pixels: Tensor) throws(ModelInputError) -> Tensor {
        VisionInput.classToken(try self(pixels).lastHiddenState)
    }

    public func visitParameters(_ v: inout ParameterVisitor) {
        v.child("embeddings", embeddings)
        v.child("encoder", encoder)
        v.child("layernorm", layernorm)
        if let pooler { v.child("pooler", pooler) }
    }
}

extension ViTModel {
    /// Writes `config.json` and `model.safetensors` (F32 or F16) into `folder`, which transformers'
    /// `ViTModel.from_pretrained` loads (a model without a pooler saves none, as transformers' own
    /// `add_pooling_layer=False` does).
    public func save(folder: String, as dtype: SafeTensorsDType = .float32) throws {
        try TransformersCheckpoint.save(self, config: config, architecture: "ViTModel", modelType: "vit",
                                        to: folder, as: dtype)
    }
}
