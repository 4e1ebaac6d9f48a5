/// `text_encoder/config.json` of a transformers `CLIPTextModel` (SD 1.x: OpenAI ViT-L/14's text tower with
/// quick_gelu; SD 2.x: OpenCLIP ViT-H's with gelu).
public struct CLIPTextConfig: ModelConfig, Equatable {
    public var vocabSize = 49408
    public var hiddenSize = 512
    public var intermediateSize = 2048
    public var projectionDim = 512
    public var numHiddenLayers = 12
    public var numAttentionHeads = 8
    public var maxPositionEmbeddings = 77
    public var hiddenAct = "quick_gelu"
    public var layerNormEps = 1e-5
    public var padTokenID = 1
    public var bosTokenID = 49406
    /// Picks the pooled position: with the legacy value 2 (in SD 1.x/2.x configs) transformers pools at the highest
    /// token id, i.e. the first `<|endoftext|>`; otherwise at the first occurrence of this id.
    public var eosTokenID = 49407

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case vocabSize = "vocab_size", hiddenSize = "hidden_size", intermediateSize = "intermediate_size"
        case projectionDim = "projection_dim", numHiddenLayers = "num_hidden_layers"
        case numAttentionHeads = "num_attention_heads", maxPositionEmbeddings = "max_position_embeddings"
        case hiddenAct = "hidden_act", layerNormEps = "layer_norm_eps", padTokenID = "pad_token_id"
        case bosTokenID = "bos_token_id", eosTokenID = "eos_token_id"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Self()
        vocabSize = try c.value(.vocabSize, default: d.vocabSize)
        hiddenSize = try c.value(.hiddenSize, default: d.hiddenSize)
        intermediateSize = try c.value(.intermediateSize, default: d.intermediateSize)
        projectionDim = try c.value(.projectionDim, default: d.projectionDim)
        numHiddenLayers = try c.value(.numHiddenLayers, default: d.numHiddenLayers)
        numAttentionHeads = try c.value(.numAttentionHeads, default: d.numAttentionHeads)
        maxPositionEmbeddings = try c.value(.maxPositionEmbeddings, default: d.maxPositionEmbeddings)
        hiddenAct = try c.value(.hiddenAct, default: d.hiddenAct)
        layerNormEps = try c.value(.layerNormEps, default: d.layerNormEps)
        padTokenID = try c.value(.padTokenID, default: d.padTokenID)
        bosTokenID = try c.value(.bosTokenID, default: d.bosTokenID)
        eosTokenID = try c.value(.eosTokenID, default: d.eosTokenID)
    }

    public static var fieldKeys: Set<String> { Set(CodingKeys.allCases.map(\.rawValue)) }

    public static var otherKeys: [String: ConfigKeyRule] {
        TransformersConfigKeys.irrelevant.merging(TransformersConfigKeys.noDropout(["attention_dropout", "dropout"])) { a, _ in a }
    }

    public static let supportedActivations = ["quick_gelu", "gelu"]

    public func validate() throws(ConfigError) {
        try ConfigCheck.oneOf("hidden_act", hiddenAct, Self.supportedActivations)
        for (field, value) in [("vocab_size", vocabSize), ("hidden_size", hiddenSize),
                               ("intermediate_size", intermediateSize), ("projection_dim", projectionDim),
                               ("num_hidden_layers", numHiddenLayers), ("max_position_embeddings", maxPositionEmbeddings)] {
            try ConfigCheck.positive(field, value)
        }
        try ConfigCheck.divides("num_attention_heads", numAttentionHeads, "hidden_size", hiddenSize)
        guard layerNormEps > 0 else { throw ConfigError.invalid("layer_norm_eps", "\(layerNormEps)", "must be positive") }
    }
}
