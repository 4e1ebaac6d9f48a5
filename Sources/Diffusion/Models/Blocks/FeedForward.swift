import Tensor

/// diffusers' `GEGLU`: one projection to twice the width, split into a value half and a gate half,
/// value · GELU(gate) (exact GELU, as diffusers' default).
public final class GEGLU: Module {
    public let proj: Linear

    public init(_ inFeatures: Int, _ outFeatures: Int, generator: inout RandomGenerator) {
        proj = Linear(inFeatures, outFeatures * 2, generator: &generator)
    }

    /// One fused engine op (`Tensor.geglu`) rather than chunk + GELU + product: no split copies.
    public func callAsFunction(_ x: Tensor) -> Tensor { proj(x).geglu() }

    public func visitParameters(_ v: inout ParameterVisitor) { v.child("proj", proj) }
}

/// diffusers' `FeedForward` with `activation_fn="geglu"`: `net.0` the GEGLU, `net.1` a dropout, `net.2` the
/// output projection; inner width 4× the token width.
public final class FeedForward: Module {
    public let geglu: GEGLU
    public let output: Linear

    public init(_ features: Int, multiplier: Int = 4, generator: inout RandomGenerator) {
        geglu = GEGLU(features, features * multiplier, generator: &generator)
        output = Linear(features * multiplier, features, generator: &generator)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { output(geglu(x)) }

    public func visitParameters(_ v: inout ParameterVisitor) {
        v.child("net.0", geglu)
        v.child("net.2", output)
    }
}
