import Tensor

/// diffusers' VAE `Encoder` (`double_z=True`): image `[N, C, H, W]` → mean and log-variance stacked on channels.
public final class VAEEncoder: Module {
    public let convIn: Conv2d
    public let downBlocks: [VAEResnetStack]
    public let midBlock: VAEMidBlock2D
    public let convNormOut: GroupNorm, convOut: Conv2d

    init(config: AutoencoderKLConfig, generator: inout RandomGenerator) {
        let channels = config.blockOutChannels, n = channels.count, groups = config.normNumGroups
        convIn = Conv2d(config.inChannels, channels[0], kernelSize: 3, padding: 1, generator: &generator)
        var blocks: [VAEResnetStack] = []
        var output = channels[0]
        for i in 0..<n {
            let input = output
            output = channels[i]
            blocks.append(VAEResnetStack(inChannels: input, outChannels: output, layers: config.layersPerBlock,
                                         groups: groups, downsample: i < n - 1, upsample: false, generator: &generator))
        }
        downBlocks = blocks
        midBlock = VAEMidBlock2D(channels: channels[n - 1], groups: groups, generator: &generator)
        convNormOut = GroupNorm(groups: groups, channels: channels[n - 1], eps: 1e-6)
        convOut = Conv2d(channels[n - 1], 2 * config.latentChannels, kernelSize: 3, padding: 1, generator: &generator)
    }

    func callAsFunction(_ x: Tensor, checkpointing: Bool) -> Tensor {
        var h = convIn(x)
        for block in downBlocks { h = block(h, checkpointing: checkpointing) }
        h = midBlock(h, checkpointing: checkpointing)
        return convOut(convNormOut(h).silu())
    }

    public func visitParameters(_ v: inout ParameterVisitor) {
        v.child("conv_in", convIn)
        v.children("down_blocks", downBlocks)
        v.child("mid_block", midBlock)
        v.child("conv_norm_out", convNormOut)
        v.child("conv_out", convOut)
    }
}

/// diffusers' VAE `Decoder`: latent `[N, latent, h, w]` → image `[N, C, h·2^(blocks−1), …]`.
public final class VAEDecoder: Module {
    public let convIn: Conv2d
    public let midBlock: VAEMidBlock2D
    public let upBlocks: [VAEResnetStack]
    public let convNormOut: GroupNorm, convOut: Conv2d

    init(config: AutoencoderKLConfig, generator: inout RandomGenerator) {
        let channels = config.blockOutChannels, n = channels.count, groups = config.normNumGroups
        let reversed = Array(channels.reversed())
        convIn = Conv2d(config.latentChannels, reversed[0], kernelSize: 3, padding: 1, generator: &generator)
        midBlock = VAEMidBlock2D(channels: reversed[0], groups: groups, generator: &generator)
        var blocks: [VAEResnetStack] = []
        var output = reversed[0]
        for i in 0..<n {
            let previous = output
            output = reversed[i]
            blocks.append(VAEResnetStack(inChannels: previous, outChannels: output, layers: config.layersPerBlock + 1,
                                         groups: groups, downsample: false, upsample: i < n - 1, generator: &generator))
        }
        upBlocks = blocks
        convNormOut = GroupNorm(groups: groups, channels: channels[0], eps: 1e-6)
        convOut = Conv2d(channels[0], config.outChannels, kernelSize: 3, padding: 1, generator: &generator)
    }

    func callAsFunction(_ z: Tensor, checkpointing: Bool) -> Tensor {
        var h = midBlock(convIn(z), checkpointing: checkpointing)
        for block in upBlocks { h = block(h, checkpointing: checkpointing) }
        return convOut(convNormOut(h).silu())
    }

    public func visitParameters(_ v: inout ParameterVisitor) {
        v.child("conv_in", convIn)
        v.child("mid_block", midBlock)
        v.children("up_blocks", upBlocks)
        v.child("conv_norm_out", convNormOut)
        v.child("conv_out", convOut)
    }
}
