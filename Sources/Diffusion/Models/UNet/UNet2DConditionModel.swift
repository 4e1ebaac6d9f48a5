import Tensor

/// diffusers' `UNet2DConditionModel` for Stable Diffusion 1.x/2.x and the x4 upscaler: predicts noise (or v) for a
/// latent `sample` at `timesteps`, conditioned on text tokens and optionally on class labels (the upscaler's
/// noise level). The module tree mirrors diffusers', so checkpoint names fall out of it.
public final class UNet2DConditionModel: Module {
    public let config: UNet2DConditionConfig
    public let convIn: Conv2d
    public let timeProjection: Timesteps
    public let timeEmbedding: TimestepEmbedding
    /// `class_embedding` when `num_class_embeds` is set: a `[classes, 4·C₀]` table added to the time embedding.
    public let classEmbedding: Embedding?
    public let downBlocks: [UNetDownBlock2D]
    public let midBlock: UNetMidBlock2DCrossAttn
    public let upBlocks: [UNetUpBlock2D]
    public let convNormOut: GroupNorm, convOut: Conv2d
    /// Recompute each resnet and transformer during backward instead of keeping its activations (diffusers'
    /// `enable_gradient_checkpointing`): what lets an SD-size training step fit in memory.
    public var gradientCheckpointing = false
    /// Keys of the loaded config.json that neither dbrun nor diffusers knows (diffusers warns about them too).
    public internal(set) var ignoredConfigKeys: [String] = []

    /// Builds the model with PyTorch-style random weights drawn from `generator`; throws for an unsupported config.
    public init(config: UNet2DConditionConfig, generator: inout RandomGenerator) throws {
        try config.validate()
        self.config = config
        let channels = config.blockOutChannels, n = config.blockCount
        let timeChannels = channels[0] * 4
        let heads = config.attentionHeads
        let layers = config.layersPerBlock.values(blockCount: n)
        let onlyCross = config.onlyCrossAttention.values(blockCount: n)
        convIn = Conv2d(config.inChannels, channels[0], kernelSize: 3, padding: 1, generator: &generator)
        timeProjection = Timesteps(channels: channels[0], flipSinToCos: config.flipSinToCos,
                                   frequencyShift: Float(config.freqShift))
        timeEmbedding = TimestepEmbedding(inChannels: channels[0], embeddingChannels: timeChannels, generator: &generator)
        classEmbedding = config.numClassEmbeds.map { Embedding($0, timeChannels, generator: &generator) }

        var down: [UNetDownBlock2D] = []
        var output = channels[0]
        for i in 0..<n {
            let input = output
            output = channels[i]
            down.append(UNetDownBlock2D(
                inChannels: input, outChannels: output, layers: layers[i], timeChannels: timeChannels,
                crossAttention: config.downBlockTypes[i] == "CrossAttnDownBlock2D", config: config, heads: heads[i],
                onlyCrossAttention: onlyCross[i], addDownsample: i < n - 1, generator: &generator))
        }
        downBlocks = down
        midBlock = UNetMidBlock2DCrossAttn(channels: channels[n - 1], timeChannels: timeChannels, config: config,
                                           heads: heads[n - 1], generator: &generator)
        var up: [UNetUpBlock2D] = []
        let reversed = Array(channels.reversed())
        output = reversed[0]
        for i in 0..<n {
            let previous = output
            output = reversed[i]
            let input = reversed[min(i + 1, n - 1)]
            up.append(UNetUpBlock2D(
                inChannels: input, previousChannels: previous, outChannels: output, layers: layers[n - 1 - i] + 1,
                timeChannels: timeChannels, crossAttention: config.upBlockTypes[i] == "CrossAttnUpBlock2D",
                config: config, heads: heads[n - 1 - i], onlyCrossAttention: onlyCross[n - 1 - i],
                addUpsample: i < n - 1, generator: &generator))
        }
        upBlocks = up
        convNormOut = GroupNorm(groups: config.normNumGroups, channels: channels[0], eps: Float(config.normEps))
        convOut = Conv2d(channels[0], config.outChannels, kernelSize: 3, padding: 1, generator: &generator)
    }

    /// Builds the model with seed-0 random weights (to be replaced by `load`).
    public convenience init(config: UNet2DConditionConfig) throws {
        var generator = RandomGenerator(seed: 0)
        try self.init(config: config, generator: &generator)
    }

    /// The prediction for `sample` `[N, inChannels, H, W]` at `timesteps` (one value for the whole batch, or one per
    /// sample), text `encoderHiddenStates` `[N, T, cross_attention_dim]` and, for models with `num_class_embeds`,
    /// one class label per sample → `[N, outChannels, H, W]`. H and W must divide by 2^(blocks − 1).
    public func forward(sample: Tensor, timesteps: [Float], encoderHiddenStates context: Tensor,
                        classLabels: [Int]? = nil) throws -> Tensor {
        try checkInputs(sample: sample, timesteps: timesteps, context: context, classLabels: classLabels)
        let batch = sample.shape[0]
        let times = timesteps.count == 1 ? Array(repeating: timesteps[0], count: batch) : timesteps
        var temb = timeEmbedding(timeProjection(times))
        if let classEmbedding, let classLabels { temb = temb + classEmbedding(classLabels) }

        var h = config.centerInputSample ? sample * 2 - 1 : sample
        h = convIn(h)
        var skips = [h]
        for block in downBlocks {
            let (out, blockSkips) = block(h, timeEmbedding: temb, context: context, checkpointing: gradientCheckpointing)
            h = out
            skips += blockSkips
        }
        h = midBlock(h, timeEmbedding: temb, context: context, checkpointing: gradientCheckpointing)
        for block in upBlocks {
            h = block(h, skips: &skips, timeEmbedding: temb, context: context, checkpointing: gradientCheckpointing)
        }
        return convOut(convNormOut(h).silu())
    }

    /// Input checks with messages that name the input, so a wrong call is an error rather than a crash in an op.
    func checkInputs(sample: Tensor, timesteps: [Float], context: Tensor, classLabels: [Int]?) throws {
        guard sample.rank == 4, sample.shape[1] == config.inChannels else {
            throw DiffusionModelError("unet: sample has shape \(sample.shape); expected [N, \(config.inChannels), H, W]")
        }
        let batch = sample.shape[0], factor = 1 << (config.blockCount - 1)
        guard sample.shape[2] % factor == 0, sample.shape[3] % factor == 0 else {
            throw DiffusionModelError("unet: sample height and width \(sample.shape[2])×\(sample.shape[3]) must divide by \(factor)")
        }
        guard timesteps.count == 1 || timesteps.count == batch else {
            throw DiffusionModelError("unet: \(timesteps.count) timesteps for a batch of \(batch); give one or one per sample")
        }
        let crossDim = config.crossAttentionDim.values(blockCount: 1)[0]
        guard context.rank == 3, context.shape[0] == batch, context.shape[2] == crossDim else {
            throw DiffusionModelError("unet: encoder_hidden_states has shape \(context.shape); expected [\(batch), T, \(crossDim)]")
        }
        if let classes = config.numClassEmbeds {
            guard let classLabels else { throw DiffusionModelError("unet: class_labels are required (num_class_embeds = \(classes))") }
            guard classLabels.count == batch else {
                throw DiffusionModelError("unet: \(classLabels.count) class_labels for a batch of \(batch)")
            }
            if let bad = classLabels.first(where: { !(0..<classes).contains($0) }) {
                throw DiffusionModelError("unet: class label \(bad) outside 0..<\(classes)")
            }
        } else if classLabels != nil {
            throw DiffusionModelError("unet: class_labels given but the config has no num_class_embeds")
        }
    }

    public func visitParameters(_ v: inout ParameterVisitor) {
        v.child("conv_in", convIn)
        v.child("time_embedding", timeEmbedding)
        if let classEmbedding { v.child("class_embedding", classEmbedding) }
        v.children("down_blocks", downBlocks)
        v.child("mid_block", midBlock)
        v.children("up_blocks", upBlocks)
        v.child("conv_norm_out", convNormOut)
        v.child("conv_out", convOut)
    }
}
