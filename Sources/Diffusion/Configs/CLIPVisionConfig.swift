/// A transformers `CLIPVisionModel` config (the image tower used to score generated images).
public struct CLIPVisionConfig: ModelConfig, Equatable {
    public var hiddenSize = 768
    public var intermediateSize = 3072
    public var projectionDim = 512
    public var numHiddenLayers = 12
    public var numAttentionHeads = 12
    public var numChannels = 3
    public var imageSize = 224
    public var patchSize = 32
    public var hiddenAct = "quick_gelu"
    public var layerNormEps = 1e-5

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case hiddenSize = "hidden_size", intermediateSize = "intermediate_size", projectionDim = "projection_dim"
        case numHiddenLayers = "num_hidden_layers", numAttentionHeads = "num_attention_heads"
        case numChannels = "num_channels", imageSize = "image_size", patchSize = "patch_size"
        case hiddenAct = "hidden_act", layerNormEps = "layer_norm_eps"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Self()
        hiddenSize = try c.value(.hiddenSize, default: d.hiddenSize)
        intermediateSize = try c.value(.intermediateSize, default: d.intermediateSize)
        projectionDim = try c.value(.projectionDim, default: d.projectionDim)
        numHiddenLayers = try c.value(.numHiddenLayers, default: d.numHiddenLayers)
        numAttentionHeads = try c.value(.numAttentionHeads, default: d.numAttentionHeads)
        numChannels = try c.value(.numChannels, default: d.numChannels)
        imageSize = try c.value(.imageSize, default: d.imageSize)
        patchSize = try c.value(.patchSize, default: d.patchSize)
        hiddenAct = try c.value(.hiddenAct, default: d.hiddenAct)
        layerNormEps = try c.value(.layerNormEps, default: d.layerNormEps)
    }

    public static var fieldKeys: Set<String> { Set(CodingKeys.allCases.map(\.rawValue)) }

    public static var otherKeys: [String: ConfigKeyRule] {
        TransformersConfigKeys.irrelevant.merging(TransformersConfigKeys.noDropout(["attention_dropout", "dropout"])) { a, _ in a }
    }

    public func validate() throws(ConfigError) {
        try ConfigCheck.oneOf("hidden_act", hiddenAct, CLIPTextConfig.supportedActivations)
        for (field, value) in [("hidden_size", hiddenSize), ("intermediate_size", intermediateSize),
                               ("projection_dim", projectionDim), ("num_hidden_layers", numHiddenLayers),
                               ("num_channels", numChannels)] {
            try ConfigCheck.positive(field, value)
        }
        try ConfigCheck.divides("num_attention_heads", numAttentionHeads, "hidden_size", hiddenSize)
        try ConfigCheck.divides("patch_size", patchSize, "image_size", imageSize)
        guard layerNormEps > 0 else { throw ConfigError.invalid("layer_norm_eps", "\(layerNormEps)", "must be positive") }
    }
}

/// The `config.json` of a full transformers `CLIPModel` (e.g. `openai/clip-vit-large-patch14`): both towers and the
/// shared projection size.
public struct CLIPConfig: ModelConfig, Equatable {
    public var textConfig = CLIPTextConfig()
    public var visionConfig = CLIPVisionConfig()
    public var projectionDim = 512
    public var logitScaleInitValue = 2.6592

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case textConfig = "text_config", visionConfig = "vision_config", projectionDim = "projection_dim"
        case logitScaleInitValue = "logit_scale_init_value"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Self()
        textConfig = try c.value(.textConfig, default: d.textConfig)
        visionConfig = try c.value(.visionConfig, default: d.visionConfig)
        projectionDim = try c.value(.projectionDim, default: d.projectionDim)
        logitScaleInitValue = try c.value(.logitScaleInitValue, default: d.logitScaleInitValue)
    }

    public static var fieldKeys: Set<String> { Set(CodingKeys.allCases.map(\.rawValue)) }

    /// `text_config_dict`/`vision_config_dict` are the pre-4.22 duplicates of the two sub-configs.
    public static var otherKeys: [String: ConfigKeyRule] {
        TransformersConfigKeys.irrelevant.merging(["text_config_dict": .irrelevant, "vision_config_dict": .irrelevant]) { a, _ in a }
    }

    public static var nestedConfigs: [String: any ModelConfig.Type] {
        ["text_config": CLIPTextConfig.self, "vision_config": CLIPVisionConfig.self]
    }

    public func validate() throws(ConfigError) {
        do throws(ConfigError) {
            try textConfig.validate()
        } catch {
            throw ConfigError(field: "text_config.\(error.field ?? "")", "text_config.\(error.message)")
        }
        do throws(ConfigError) {
            try visionConfig.validate()
        } catch {
            throw ConfigError(field: "vision_config.\(error.field ?? "")", "vision_config.\(error.message)")
        }
        try ConfigCheck.positive("projection_dim", projectionDim)
    }
}
