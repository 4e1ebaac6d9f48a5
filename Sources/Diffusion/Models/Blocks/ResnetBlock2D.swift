import Tensor

/// diffusers' `ResnetBlock2D` with the default time-embedding mode: GroupNorm → SiLU → 3×3 conv, plus the projected
/// time embedding, GroupNorm → SiLU → 3×3 conv, added to the (1×1-projected when channels change) input.
/// The VAE's blocks have no time embedding (`timeChannels` nil, no `time_emb_proj`).
public final class ResnetBlock2D: Module {
    public let norm1: GroupNorm, conv1: Conv2d
    public let timeEmbeddingProjection: Linear?
    public let norm2: GroupNorm, conv2: Conv2d
    /// Present when input and output channels differ (`conv_shortcut`, a 1×1 conv).
    public let convShortcut: Conv2d?
    /// diffusers divides the sum by this (`output_scale_factor`; the UNet mid block's `mid_block_scale_factor`).
    public let outputScaleFactor: Float

    public init(inChannels: Int, outChannels: Int, timeChannels: Int?, groups: Int, eps: Float,
                outputScaleFactor: Float = 1, generator: inout RandomGenerator) {
        norm1 = GroupNorm(groups: groups, channels: inChannels, eps: eps)
        conv1 = Conv2d(inChannels, outChannels, kernelSize: 3, padding: 1, generator: &generator)
        timeEmbeddingProjection = timeChannels.map { Linear($0, outChannels, generator: &generator) }
        norm2 = GroupNorm(groups: groups, channels: outChannels, eps: eps)
        conv2 = Conv2d(outChannels, outChannels, kernelSize: 3, padding: 1, generator: &generator)
        convShortcut = inChannels == outChannels ? nil : Conv2d(inChannels, outChannels, kernelSize: 1, generator: &generator)
        self.outputScaleFactor = outputScaleFactor
    }

    /// x `[N, C, H, W]`, temb `[N, timeChannels]` (ignored by blocks without a time projection) → `[N, O, H, W]`.
    public func callAsFunction(_ x: Tensor, timeEmbedding temb: Tensor?) -> Tensor {
        var h = conv1(norm1(x).silu())
        if let proj = timeEmbeddingProjection, let temb {
            let t = proj(temb.silu())
            h = h + t.reshaped([t.shape[0], t.shape[1], 1, 1])
        }
        h = conv2(norm2(h).silu())
        let shortcut = convShortcut.map { $0(x) } ?? x
        let sum = shortcut + h
        return outputScaleFactor == 1 ? sum : sum / outputScaleFactor
    }

    public func visitParameters(_ v: inout ParameterVisitor) {
        v.child("norm1", norm1)
        v.child("conv1", conv1)
        if let timeEmbeddingProjection { v.child("time_emb_proj", timeEmbeddingProjection) }
        v.child("norm2", norm2)
        v.child("conv2", conv2)
        if let convShortcut { v.child("conv_shortcut", convShortcut) }
    }
}
