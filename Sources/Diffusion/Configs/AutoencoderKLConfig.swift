/// `vae/config.json` of a diffusers `AutoencoderKL` (Stable Diffusion's VAE and the x4 upscaler's).
public struct AutoencoderKLConfig: ModelConfig, Equatable {
    public var inChannels = 3
    public var outChannels = 3
    public var downBlockTypes = ["DownEncoderBlock2D"]
    public var upBlockTypes = ["UpDecoderBlock2D"]
    public var blockOutChannels = [64]
    public var layersPerBlock = 1
    public var actFn = "silu"
    public var latentChannels = 4
    public var normNumGroups = 32
    public var sampleSize = 32
    /// Latents are multiplied by this after encoding and divided by it before decoding (0.18215 for SD, 0.08333 for
    /// the x4 upscaler).
    public var scalingFactor = 0.18215
    /// A dtype hint (run the VAE in float32 under fp16); dbrun computes in float32 anyway.
    public var forceUpcast = true

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case inChannels = "in_channels", outChannels = "out_channels", downBlockTypes = "down_block_types"
        case upBlockTypes = "up_block_types", blockOutChannels = "block_out_channels"
        case layersPerBlock = "layers_per_block", actFn = "act_fn", latentChannels = "latent_channels"
        case normNumGroups = "norm_num_groups", sampleSize = "sample_size", scalingFactor = "scaling_factor"
        case forceUpcast = "force_upcast"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Self()
        inChannels = try c.value(.inChannels, default: d.inChannels)
        outChannels = try c.value(.outChannels, default: d.outChannels)
        downBlockTypes = try c.value(.downBlockTypes, default: d.downBlockTypes)
        upBlockTypes = try c.value(.upBlockTypes, default: d.upBlockTypes)
        blockOutChannels = try c.value(.blockOutChannels, default: d.blockOutChannels)
        layersPerBlock = try c.value(.layersPerBlock, default: d.layersPerBlock)
        actFn = try c.value(.actFn, default: d.actFn)
        latentChannels = try c.value(.latentChannels, default: d.latentChannels)
        normNumGroups = try c.value(.normNumGroups, default: d.normNumGroups)
        sampleSize = try c.value(.sampleSize, default: d.sampleSize)
        scalingFactor = try c.value(.scalingFactor, default: d.scalingFactor)
        forceUpcast = try c.value(.forceUpcast, default: d.forceUpcast)
    }

    public static var fieldKeys: Set<String> { Set(CodingKeys.allCases.map(\.rawValue)) }

    public static var otherKeys: [String: ConfigKeyRule] {
        [
            "shift_factor": .neutral([.null]),
            "latents_mean": .neutral([.null]),
            "latents_std": .neutral([.null]),
            "use_quant_conv": .neutral([.bool(true)]),
            "use_post_quant_conv": .neutral([.bool(true)]),
            "mid_block_add_attention": .neutral([.bool(true)]),
        ]
    }

    public func validate() throws(ConfigError) {
        let n = blockOutChannels.count
        guard n > 0 else { throw ConfigError.invalid("block_out_channels", "[]", "needs at least one block") }
        try ConfigCheck.positive("block_out_channels", blockOutChannels)
        try ConfigCheck.sameCount("down_block_types", downBlockTypes.count, as: "block_out_channels", n)
        try ConfigCheck.sameCount("up_block_types", upBlockTypes.count, as: "block_out_channels", n)
        try ConfigCheck.each("down_block_types", downBlockTypes, ["DownEncoderBlock2D"])
        try ConfigCheck.each("up_block_types", upBlockTypes, ["UpDecoderBlock2D"])
        try ConfigCheck.oneOf("act_fn", actFn, ["silu"])
        try ConfigCheck.positive("in_channels", inChannels)
        try ConfigCheck.positive("out_channels", outChannels)
        try ConfigCheck.positive("latent_channels", latentChannels)
        try ConfigCheck.positive("layers_per_block", layersPerBlock)
        for (i, channels) in blockOutChannels.enumerated() {
            try ConfigCheck.divides("norm_num_groups", normNumGroups, "block_out_channels[\(i)]", channels)
        }
        guard scalingFactor > 0, scalingFactor.isFinite else {
            throw ConfigError.invalid("scaling_factor", "\(scalingFactor)", "must be a positive number")
        }
    }
}
