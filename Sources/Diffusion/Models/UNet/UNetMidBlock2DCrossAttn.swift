import Tensor

/// diffusers' `UNetMidBlock2DCrossAttn` with one layer: resnet, transformer, resnet, all at the deepest width;
/// the resnets divide by `mid_block_scale_factor`.
public final class UNetMidBlock2DCrossAttn: Module {
    public let resnets: [ResnetBlock2D]
    public let attentions: [Transformer2DModel]

    init(channels: Int, timeChannels: Int, config: UNet2DConditionConfig, heads: Int, generator: inout RandomGenerator) {
        let groups = config.normNumGroups, eps = Float(config.normEps), scale = Float(config.midBlockScaleFactor)
        let first = ResnetBlock2D(inChannels: channels, outChannels: channels, timeChannels: timeChannels,
                                  groups: groups, eps: eps, outputScaleFactor: scale, generator: &generator)
        attentions = [Transformer2DModel(unet: config, channels: channels, heads: heads, onlyCrossAttention: false,
                                         generator: &generator)]
        let second = ResnetBlock2D(inChannels: channels, outChannels: channels, timeChannels: timeChannels,
                                   groups: groups, eps: eps, outputScaleFactor: scale, generator: &generator)
        resnets = [first, second]
    }

    func callAsFunction(_ x: Tensor, timeEmbedding temb: Tensor, context: Tensor, checkpointing: Bool) -> Tensor {
        let (first, second, attention) = (resnets[0], resnets[1], attentions[0])
        var h = checkpointed(checkpointing, [x, temb]) { first($0[0], timeEmbedding: $0[1]) }
        h = checkpointed(checkpointing, [h, context]) { attention($0[0], context: $0[1]) }
        return checkpointed(checkpointing, [h, temb]) { second($0[0], timeEmbedding: $0[1]) }
    }

    public func visitParameters(_ v: inout ParameterVisitor) {
        v.children("resnets", resnets)
        v.children("attentions", attentions)
    }
}
