import Tensor

/// diffusers' `DownEncoderBlock2D` (resnets without time embedding, then a padding-0 stride-2 downsampler) and
/// `UpDecoderBlock2D` (resnets, then a ×2 upsampler): one class, the resampler on the matching side.
public final class VAEResnetStack: Module {
    public let resnets: [ResnetBlock2D]
    public let downsampler: Downsample2D?
    public let upsampler: Upsample2D?

    init(inChannels: Int, outChannels: Int, layers: Int, groups: Int, downsample: Bool, upsample: Bool,
         generator: inout RandomGenerator) {
        resnets = (0..<layers).map { i in
            ResnetBlock2D(inChannels: i == 0 ? inChannels : outChannels, outChannels: outChannels, timeChannels: nil,
                          groups: groups, eps: 1e-6, generator: &generator)
        }
        downsampler = downsample ? Downsample2D(channels: outChannels, padding: 0, generator: &generator) : nil
        upsampler = upsample ? Upsample2D(channels: outChannels, generator: &generator) : nil
    }

    func callAsFunction(_ x: Tensor, checkpointing: Bool) -> Tensor {
        var h = x
        for resnet in resnets { h = checkpointed(checkpointing, [h]) { resnet($0[0], timeEmbedding: nil) } }
        if let downsampler { h = downsampler(h) }
        if let upsampler { h = upsampler(h) }
        return h
    }

    public func visitParameters(_ v: inout ParameterVisitor) {
        v.children("resnets", resnets)
        if let downsampler { v.child("downsamplers.0", downsampler) }
        if let upsampler { v.child("upsamplers.0", upsampler) }
    }
}

/// diffusers' `UNetMidBlock2D` as the VAE builds it: resnet, single-head spatial self-attention (with its own
/// `group_norm` and residual), resnet; no time embedding.
public final class VAEMidBlock2D: Module {
    public let resnets: [ResnetBlock2D]
    public let attentions: [Attention]

    init(channels: Int, groups: Int, generator: inout RandomGenerator) {
        let first = ResnetBlock2D(inChannels: channels, outChannels: channels, timeChannels: nil, groups: groups,
                                  eps: 1e-6, generator: &generator)
        attentions = [Attention(queryDim: channels, heads: 1, headDim: channels, bias: true,
                                groupNorm: (groups, 1e-6), residualConnection: true, generator: &generator)]
        let second = ResnetBlock2D(inChannels: channels, outChannels: channels, timeChannels: nil, groups: groups,
                                   eps: 1e-6, generator: &generator)
        resnets = [first, second]
    }

    func callAsFunction(_ x: Tensor, checkpointing: Bool) -> Tensor {
        let (first, second, attention) = (resnets[0], resnets[1], attentions[0])
        var h = checkpointed(checkpointing, [x]) { first($0[0], timeEmbedding: nil) }
        h = checkpointed(checkpointing, [h]) { attention.spatial($0[0]) }
        return checkpointed(checkpointing, [h]) { second($0[0], timeEmbedding: nil) }
    }

    public func visitParameters(_ v: inout ParameterVisitor) {
        v.children("resnets", resnets)
        v.children("attentions", attentions)
    }
}
