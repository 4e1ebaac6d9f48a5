/// A transformers `ViTModel` config, as DINO ViT-S/16 (`facebook/dino-vits16`) uses for subject-fidelity scores.
public struct ViTConfig: ModelConfig, Equatable {
    public var hiddenSize = 768
    public var numHiddenLayers = 12
    public var numAttentionHeads = 12
    public var intermediateSize = 3072
    public var hiddenAct = "gelu"
    public var layerNormEps = 1e-12
    public var imageSize = 224
    public var patchSize = 16
    public var numChannels = 3
    public var qkvBias = true

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case hiddenSize = "hidden_size", numHiddenLayers = "num_hidden_layers"
        case numAttentionHeads = "num_attention_heads", intermediateSize = "intermediate_size"
        case hiddenAct = "hidden_act", layerNormEps = "layer_norm_eps", imageSize = "image_size"
        case patchSize = "patch_size", numChannels = "num_channels", qkvBias = "qkv_bias"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Self()
        hiddenSize = try c.value(.hiddenSize, default: d.hiddenSize)
        numHiddenLayers = try c.value(.numHiddenLayers, default: d.numHiddenLayers)
        numAttentionHeads = try c.value(.numAttentionHeads, default: d.numAttentionHeads)
        intermediateSize = try c.value(.intermediateSize, default: d.intermediateSize)
        hiddenAct = try c.value(.hiddenAct, default: d.hiddenAct)
        layerNormEps = try c.value(.layerNormEps, default: d.layerNormEps)
        imageSize = try c.value(.imageSize, default: d.imageSize)
        patchSize = try c.value(.patchSize, default: d.patchSize)
        numChannels = try c.value(.numChannels, default: d.numChannels)
        qkvBias = try c.value(.qkvBias, default: d.qkvBias)
    }

    public static var fieldKeys: Set<String> { Set(CodingKeys.allCases.map(\.rawValue)) }

    /// `encoder_stride` only matters for masked-image-modelling heads; the pooler is not used for DINO features.
    public static var otherKeys: [String: ConfigKeyRule] {
        TransformersConfigKeys.irrelevant
            .merging(TransformersConfigKeys.noDropout(["hidden_dropout_prob", "attention_probs_dropout_prob"])) { a, _ in a }
            .merging(["encoder_stride": .irrelevant, "pooler_output_size": .irrelevant, "pooler_act": .irrelevant]) { a, _ in a }
    }

    public func validate() throws(ConfigError) {
        try ConfigCheck.oneOf("hidden_act", hiddenAct, ["gelu"])
        for (field, value) in [("hidden_size", hiddenSize), ("num_hidden_layers", numHiddenLayers),
                               ("intermediate_size", intermediateSize), ("num_channels", numChannels)] {
            try ConfigCheck.positive(field, value)
        }
        try ConfigCheck.divides("num_attention_heads", numAttentionHeads, "hidden_size", hiddenSize)
        try ConfigCheck.divides("patch_size", patchSize, "image_size", imageSize)
        guard layerNormEps > 0 else { throw ConfigError.invalid("layer_norm_eps", "\(layerNormEps)", "must be positive") }
    }
}
