import Tensor

/// diffusers' `CrossAttnDownBlock2D` (resnets each followed by a transformer) and `DownBlock2D` (resnets only; no
/// `attentions`), then an optional stride-2 `downsamplers.0`. Returns every intermediate map for the skip
/// connections, in diffusers' order.
public final class UNetDownBlock2D: Module {
    public let resnets: [ResnetBlock2D]
    /// Empty for `DownBlock2D`.
    public let attentions: [Transformer2DModel]
    public let downsampler: Downsample2D?

    init(inChannels: Int, outChannels: Int, layers: Int, timeChannels: Int, crossAttention: Bool,
         config: UNet2DConditionConfig, heads: Int, onlyCrossAttention: Bool, addDownsample: Bool,
         generator: inout RandomGenerator) {
        let groups = config.normNumGroups, eps = Float(config.normEps)
        var resnets: [ResnetBlock2D] = [], attentions: [Transformer2DModel] = []
        for i in 0..<layers {
            resnets.append(ResnetBlock2D(inChannels: i == 0 ? inChannels : outChannels, outChannels: outChannels,
                                         timeChannels: timeChannels, groups: groups, eps: eps, generator: &generator))
            if crossAttention {
                attentions.append(Transformer2DModel(unet: config, channels: outChannels, heads: heads,
                                                     onlyCrossAttention: onlyCrossAttention, generator: &generator))
            }
        }
        self.resnets = resnets
        self.attentions = attentions
        downsampler = addDownsample
            ? Downsample2D(channels: outChannels, padding: config.downsamplePadding, generator: &generator) : nil
    }

    func callAsFunction(_ x: Tensor, timeEmbedding temb: Tensor, context: Tensor,
                        checkpointing: Bool) -> (output: Tensor, skips: [Tensor]) {
        var h = x
        var skips: [Tensor] = []
        for (i, resnet) in resnets.enumerated() {
            h = checkpointed(checkpointing, [h, temb]) { resnet($0[0], timeEmbedding: $0[1]) }
            if !attentions.isEmpty {
                let attention = attentions[i]
                h = checkpointed(checkpointing, [h, context]) { attention($0[0], context: $0[1]) }
            }
            skips.append(h)
        }
        if let downsampler {
            h = downsampler(h)
            skips.append(h)
        }
        return (h, skips)
    }

    public func visitParameters(_ v: inout ParameterVisitor) {
        v.children("resnets", resnets)
        v.children("attentions", attentions)
        if let downsampler { v.child("downsamplers.0", downsampler) }
    }
}
