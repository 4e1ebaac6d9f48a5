import Tensor

/// diffusers' `Downsample2D` with a conv: a 3×3 stride-2 conv (`conv`). With padding 0 (the VAE's
/// `downsample_padding=0`) the map is first padded by one on the right and bottom only, as diffusers does.
public final class Downsample2D: Module {
    public let conv: Conv2d
    public let padding: Int

    public init(channels: Int, outChannels: Int? = nil, padding: Int, generator: inout RandomGenerator) {
        conv = Conv2d(channels, outChannels ?? channels, kernelSize: 3, stride: 2, padding: padding, generator: &generator)
        self.padding = padding
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        padding == 0 ? conv(x.padded([(0, 1), (0, 1)])) : conv(x)
    }

    public func visitParameters(_ v: inout ParameterVisitor) { v.child("conv", conv) }
}

/// diffusers' `Upsample2D` with a conv: nearest-neighbour ×2, then a 3×3 conv (`conv`).
public final class Upsample2D: Module {
    public let conv: Conv2d

    public init(channels: Int, outChannels: Int? = nil, generator: inout RandomGenerator) {
        conv = Conv2d(channels, outChannels ?? channels, kernelSize: 3, padding: 1, generator: &generator)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { conv(x.upsampleNearest2x()) }

    public func visitParameters(_ v: inout ParameterVisitor) { v.child("conv", conv) }
}
