import Tensor

/// diffusers' `CrossAttnUpBlock2D` and `UpBlock2D` (no `attentions`): each resnet takes the running map
/// concatenated with one skip map (popped from the end), then an optional ×2 `upsamplers.0`.
public final class UNetUpBlock2D: Module {
    public let resnets: [ResnetBlock2D]
    /// Empty for `UpBlock2D`.
    public let attentions: [Transformer2DModel]
    public let upsampler: Upsample2D?

    /// `inChannels` is the channels of the down block's input (its last skip), `previousChannels` those of the map
    /// coming from below, as diffusers' `in_channels`/`prev_output_channel`.
    init(inChannels: Int, previousChannels: Int, outChannels: Int, layers: Int, timeChannels: Int,
         crossAttention: Bool, config: UNet2DConditionConfig, heads: Int, onlyCrossAttention: Bool,
         addUpsample: Bool, generator: inout RandomGenerator) {
        let groups = config.normNumGroups, eps = Float(config.normEps)
        var resnets: [ResnetBlock2D] = [], attentions: [Transformer2DModel] = []
        for i in 0..<layers {
            let skipChannels = i == layers - 1 ? inChannels : outChannels
            let resnetIn = i == 0 ? previousChannels : outChannels
            resnets.append(ResnetBlock2D(inChannels: resnetIn + skipChannels, outChannels: outChannels,
                                         timeChannels: timeChannels, groups: groups, eps: eps, generator: &generator))
            if crossAttention {
                attentions.append(Transformer2DModel(unet: config, channels: outChannels, heads: heads,
                                                     onlyCrossAttention: onlyCrossAttention, generator: &generator))
            }
        }
        self.resnets = resnets
        self.attentions = attentions
        upsampler = addUpsample ? Upsample2D(channels: outChannels, generator: &generator) : nil
    }

    /// Consumes `resnets.count` maps from the end of `skips`.
    func callAsFunction(_ x: Tensor, skips: inout [Tensor], timeEmbedding temb: Tensor, context: Tensor,
                        checkpointing: Bool) -> Tensor {
        var h = x
        for (i, resnet) in resnets.enumerated() {
            let skip = skips.removeLast()
            h = checkpointed(checkpointing, [Tensor.concat([h, skip], axis: 1), temb]) {
                resnet($0[0], timeEmbedding: $0[1])
            }
            if !attentions.isEmpty {
                let attention = attentions[i]
                h = checkpointed(checkpointing, [h, context]) { attention($0[0], context: $0[1]) }
            }
        }
        return upsampler.map { $0(h) } ?? h
    }

    public func visitParameters(_ v: inout ParameterVisitor) {
        v.children("resnets", resnets)
        v.children("attentions", attentions)
        if let upsampler { v.child("upsamplers.0", upsampler) }
    }
}
