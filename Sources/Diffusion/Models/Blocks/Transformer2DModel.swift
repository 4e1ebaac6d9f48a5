import Tensor

/// diffusers' `Transformer2DModel` on continuous inputs: GroupNorm (eps 1e-6), a projection into token width
/// (a 1×1 conv before flattening, or a linear after it with `use_linear_projection` as in SD 2.x), the transformer
/// blocks, the projection back, and the input added back.
public final class Transformer2DModel: Module {
    /// `proj_in`/`proj_out`: a 1×1 conv or a linear, whose weights differ in shape (`[O, C, 1, 1]` vs `[O, C]`).
    public enum Projection {
        case conv(Conv2d)
        case linear(Linear)

        var module: Module {
            switch self {
            case .conv(let c): c
            case .linear(let l): l
            }
        }
    }

    public let norm: GroupNorm
    public let projIn: Projection, projOut: Projection
    public let transformerBlocks: [BasicTransformerBlock]

    public init(channels: Int, heads: Int, headDim: Int, crossAttentionDim: Int, groups: Int, layers: Int = 1,
                useLinearProjection: Bool, onlyCrossAttention: Bool, generator: inout RandomGenerator) {
        let inner = heads * headDim
        norm = GroupNorm(groups: groups, channels: channels, eps: 1e-6)
        projIn = useLinearProjection ? .linear(Linear(channels, inner, generator: &generator))
            : .conv(Conv2d(channels, inner, kernelSize: 1, generator: &generator))
        var blocks: [BasicTransformerBlock] = []
        for _ in 0..<layers {
            blocks.append(BasicTransformerBlock(dim: inner, heads: heads, headDim: headDim,
                                                crossAttentionDim: crossAttentionDim,
                                                onlyCrossAttention: onlyCrossAttention, generator: &generator))
        }
        transformerBlocks = blocks
        projOut = useLinearProjection ? .linear(Linear(inner, channels, generator: &generator))
            : .conv(Conv2d(inner, channels, kernelSize: 1, generator: &generator))
    }

    /// The attention of a UNet block at `channels`: `heads` heads of `channels / heads` features, cross-attending
    /// to the UNet's `cross_attention_dim`, with the UNet's projection kind and norm groups.
    convenience init(unet config: UNet2DConditionConfig, channels: Int, heads: Int, onlyCrossAttention: Bool,
                     generator: inout RandomGenerator) {
        self.init(channels: channels, heads: heads, headDim: channels / heads,
                  crossAttentionDim: config.crossAttentionDim.values(blockCount: 1)[0], groups: config.normNumGroups,
                  useLinearProjection: config.useLinearProjection, onlyCrossAttention: onlyCrossAttention,
                  generator: &generator)
    }

    /// x `[N, C, H, W]`, text `[N, S, E']` → `[N, C, H, W]`.
    public func callAsFunction(_ x: Tensor, context: Tensor) -> Tensor {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        var t: Tensor
        switch projIn {
        case .conv(let conv):
            let p = conv(norm(x))
            t = p.reshaped([n, p.shape[1], h * w]).swappingMiddleAxes()
        case .linear(let linear):
            t = linear(norm(x).reshaped([n, c, h * w]).swappingMiddleAxes())
        }
        for block in transformerBlocks { t = block(t, context: context) }
        let out: Tensor
        switch projOut {
        case .conv(let conv):
            out = conv(t.swappingMiddleAxes().reshaped([n, t.shape[2], h, w]))
        case .linear(let linear):
            out = linear(t).swappingMiddleAxes().reshaped([n, c, h, w])
        }
        return out + x
    }

    public func visitParameters(_ v: inout ParameterVisitor) {
        v.child("norm", norm)
        v.child("proj_in", projIn.module)
        v.children("transformer_blocks", transformerBlocks)
        v.child("proj_out", projOut.module)
    }
}
