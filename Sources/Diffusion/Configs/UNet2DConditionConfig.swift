/// `unet/config.json` of a diffusers `UNet2DConditionModel`, for the Stable Diffusion 1.x/2.x family and the x4
/// upscaler. Field names are diffusers' (snake_case in JSON); defaults are diffusers' for absent keys.
public struct UNet2DConditionConfig: ModelConfig, Equatable {
    public var sampleSize: Int?
    public var inChannels = 4
    public var outChannels = 4
    public var centerInputSample = false
    public var flipSinToCos = true
    public var freqShift = 0
    public var downBlockTypes = ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"]
    /// Optional in JSON only so that an explicit `null` (no mid block) can be refused by name.
    public var midBlockType: String? = "UNetMidBlock2DCrossAttn"
    public var upBlockTypes = ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"]
    public var onlyCrossAttention: PerBlock<Bool> = .same(false)
    public var blockOutChannels = [320, 640, 1280, 1280]
    public var layersPerBlock: PerBlock<Int> = .same(2)
    public var downsamplePadding = 1
    public var midBlockScaleFactor = 1.0
    public var dropout = 0.0
    public var actFn = "silu"
    public var normNumGroups = 32
    public var normEps = 1e-5
    public var crossAttentionDim: PerBlock<Int> = .same(1280)
    /// Despite its name, the number of attention heads per block when `num_attention_heads` is absent — diffusers
    /// keeps this historical mix-up for compatibility with every Stable Diffusion checkpoint.
    public var attentionHeadDim: PerBlock<Int> = .same(8)
    public var numAttentionHeads: PerBlock<Int>?
    public var useLinearProjection = false
    public var numClassEmbeds: Int?
    public var upcastAttention = false

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case sampleSize = "sample_size", inChannels = "in_channels", outChannels = "out_channels"
        case centerInputSample = "center_input_sample", flipSinToCos = "flip_sin_to_cos", freqShift = "freq_shift"
        case downBlockTypes = "down_block_types", midBlockType = "mid_block_type", upBlockTypes = "up_block_types"
        case onlyCrossAttention = "only_cross_attention", blockOutChannels = "block_out_channels"
        case layersPerBlock = "layers_per_block", downsamplePadding = "downsample_padding"
        case midBlockScaleFactor = "mid_block_scale_factor", dropout, actFn = "act_fn"
        case normNumGroups = "norm_num_groups", normEps = "norm_eps", crossAttentionDim = "cross_attention_dim"
        case attentionHeadDim = "attention_head_dim", numAttentionHeads = "num_attention_heads"
        case useLinearProjection = "use_linear_projection", numClassEmbeds = "num_class_embeds"
        case upcastAttention = "upcast_attention"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Self()
        sampleSize = try c.decodeIfPresent(Int.self, forKey: .sampleSize)
        inChannels = try c.value(.inChannels, default: d.inChannels)
        outChannels = try c.value(.outChannels, default: d.outChannels)
        centerInputSample = try c.value(.centerInputSample, default: d.centerInputSample)
        flipSinToCos = try c.value(.flipSinToCos, default: d.flipSinToCos)
        freqShift = try c.value(.freqShift, default: d.freqShift)
        downBlockTypes = try c.value(.downBlockTypes, default: d.downBlockTypes)
        midBlockType = c.contains(.midBlockType) ? try c.decodeIfPresent(String.self, forKey: .midBlockType) : d.midBlockType
        upBlockTypes = try c.value(.upBlockTypes, default: d.upBlockTypes)
        onlyCrossAttention = try c.value(.onlyCrossAttention, default: d.onlyCrossAttention)
        blockOutChannels = try c.value(.blockOutChannels, default: d.blockOutChannels)
        layersPerBlock = try c.value(.layersPerBlock, default: d.layersPerBlock)
        downsamplePadding = try c.value(.downsamplePadding, default: d.downsamplePadding)
        midBlockScaleFactor = try c.value(.midBlockScaleFactor, default: d.midBlockScaleFactor)
        dropout = try c.value(.dropout, default: d.dropout)
        actFn = try c.value(.actFn, default: d.actFn)
        normNumGroups = try c.value(.normNumGroups, default: d.normNumGroups)
        normEps = try c.value(.normEps, default: d.normEps)
        crossAttentionDim = try c.value(.crossAttentionDim, default: d.crossAttentionDim)
        attentionHeadDim = try c.value(.attentionHeadDim, default: d.attentionHeadDim)
        numAttentionHeads = try c.decodeIfPresent(PerBlock<Int>.self, forKey: .numAttentionHeads)
        useLinearProjection = try c.value(.useLinearProjection, default: d.useLinearProjection)
        numClassEmbeds = try c.decodeIfPresent(Int.self, forKey: .numClassEmbeds)
        upcastAttention = try c.value(.upcastAttention, default: d.upcastAttention)
    }

    public static let supportedDownBlocks = ["CrossAttnDownBlock2D", "DownBlock2D"]
    public static let supportedUpBlocks = ["CrossAttnUpBlock2D", "UpBlock2D"]
    public static let supportedMidBlocks = ["UNetMidBlock2DCrossAttn"]

    public static var fieldKeys: Set<String> { Set(CodingKeys.allCases.map(\.rawValue)) }

    public static var otherKeys: [String: ConfigKeyRule] {
        [
            "transformer_layers_per_block": .neutral([.number(1)]),
            "reverse_transformer_layers_per_block": .neutral([.null]),
            "encoder_hid_dim": .neutral([.null]),
            "encoder_hid_dim_type": .neutral([.null]),
            "dual_cross_attention": .neutral([.bool(false)]),
            "class_embed_type": .neutral([.null]),
            "addition_embed_type": .neutral([.null]),
            "addition_time_embed_dim": .neutral([.null]),
            "resnet_time_scale_shift": .neutral([.string("default")]),
            "resnet_skip_time_act": .neutral([.bool(false)]),
            "resnet_out_scale_factor": .neutral([.number(1)]),
            "time_embedding_type": .neutral([.string("positional")]),
            "time_embedding_dim": .neutral([.null]),
            "time_embedding_act_fn": .neutral([.null]),
            "timestep_post_act": .neutral([.null]),
            "time_cond_proj_dim": .neutral([.null]),
            "conv_in_kernel": .neutral([.number(3)]),
            "conv_out_kernel": .neutral([.number(3)]),
            "projection_class_embeddings_input_dim": .neutral([.null]),
            "attention_type": .neutral([.string("default")]),
            "class_embeddings_concat": .neutral([.bool(false)]),
            "mid_block_only_cross_attention": .neutral([.null, .bool(false)]),
            "cross_attention_norm": .neutral([.null]),
            // Only read when addition_embed_type is set, which the rule above refuses.
            "addition_embed_type_num_heads": .irrelevant,
        ]
    }

    /// The number of down (and up) blocks.
    public var blockCount: Int { blockOutChannels.count }

    /// Attention heads per down block: `num_attention_heads` if given, else `attention_head_dim` (see there).
    public var attentionHeads: [Int] { (numAttentionHeads ?? attentionHeadDim).values(blockCount: blockCount) }

    public func validate() throws(ConfigError) {
        let n = blockCount
        try ConfigCheck.positive("block_out_channels", blockOutChannels)
        guard n > 0 else { throw ConfigError.invalid("block_out_channels", "[]", "needs at least one block") }
        try ConfigCheck.sameCount("down_block_types", downBlockTypes.count, as: "block_out_channels", n)
        try ConfigCheck.sameCount("up_block_types", upBlockTypes.count, as: "block_out_channels", n)
        try ConfigCheck.each("down_block_types", downBlockTypes, Self.supportedDownBlocks)
        try ConfigCheck.each("up_block_types", upBlockTypes, Self.supportedUpBlocks)
        guard let midBlockType else {
            throw ConfigError.unsupported("mid_block_type", "null", supported: Self.supportedMidBlocks)
        }
        try ConfigCheck.oneOf("mid_block_type", midBlockType, Self.supportedMidBlocks)
        try ConfigCheck.oneOf("act_fn", actFn, ["silu"])
        try onlyCrossAttention.check("only_cross_attention", blockCount: n, against: "down_block_types")
        try layersPerBlock.check("layers_per_block", blockCount: n, against: "down_block_types")
        try attentionHeadDim.check("attention_head_dim", blockCount: n, against: "down_block_types")
        try numAttentionHeads?.check("num_attention_heads", blockCount: n, against: "down_block_types")
        if case .each = crossAttentionDim {
            throw ConfigError.unsupported("cross_attention_dim", "a per-block list", supported: ["one integer"])
        }
        try ConfigCheck.positive("in_channels", inChannels)
        try ConfigCheck.positive("out_channels", outChannels)
        try ConfigCheck.positive("layers_per_block", layersPerBlock.values(blockCount: n))
        try ConfigCheck.positive("cross_attention_dim", crossAttentionDim.values(blockCount: 1))
        let headsField = numAttentionHeads == nil ? "attention_head_dim" : "num_attention_heads"
        try ConfigCheck.positive(headsField, attentionHeads)
        for (i, channels) in blockOutChannels.enumerated() {
            try ConfigCheck.divides("norm_num_groups", normNumGroups, "block_out_channels[\(i)]", channels)
            // Block i's channels meet its head count in the down block, the mirrored up block and (last) the mid block.
            let hasAttention = downBlockTypes[i].hasPrefix("CrossAttn") || upBlockTypes[n - 1 - i].hasPrefix("CrossAttn")
                || i == n - 1
            if hasAttention {
                try ConfigCheck.divides("\(headsField)[\(i)]", attentionHeads[i], "block_out_channels[\(i)]", channels)
            }
        }
        if let numClassEmbeds { try ConfigCheck.positive("num_class_embeds", numClassEmbeds) }
        if let sampleSize { try ConfigCheck.positive("sample_size", sampleSize) }
        guard downsamplePadding >= 0 else {
            throw ConfigError.invalid("downsample_padding", "\(downsamplePadding)", "must not be negative")
        }
        guard (0..<1).contains(dropout) else { throw ConfigError.invalid("dropout", "\(dropout)", "must lie in [0, 1)") }
        guard normEps > 0 else { throw ConfigError.invalid("norm_eps", "\(normEps)", "must be positive") }
    }
}
