import Foundation
import CEngineKernels

// Activations of CLIP, the UNet and the VAE, each with its derivative beside it.

extension Tensor {
    /// 1 / (1 + e^-x).
    public func sigmoid() -> Tensor { unary("sigmoid", SigmoidFunction()) }
    /// Hyperbolic tangent.
    public func tanh() -> Tensor { unary("tanh", TanhFunction()) }
    /// x·sigmoid(x) (the UNet's and VAE's activation).
    public func silu() -> Tensor { unary("silu", SiLUFunction()) }
    /// GELU with the exact normal CDF, x·Φ(x) (diffusers' default `gelu`).
    public func gelu() -> Tensor { unary("gelu", GELUFunction()) }
    /// GELU with the tanh approximation (`gelu_pytorch_tanh`, `approximate="tanh"`).
    public func geluTanh() -> Tensor { unary("gelu_tanh", GELUTanhFunction()) }
    /// x·sigmoid(1.702x) (CLIP's `quick_gelu`).
    public func quickGelu() -> Tensor { unary("quick_gelu", QuickGELUFunction()) }
    /// log(1 + e^x), linear above 20 as PyTorch's default threshold.
    public func softplus() -> Tensor { unary("softplus", SoftplusFunction()) }
    /// max(x, 0).
    public func relu() -> Tensor { unary("relu", ReLUFunction()) }
}

struct SigmoidFunction: UnaryFunction {
    @inline(__always) func callAsFunction(_ x: Float) -> Float { FastMath.sigmoid(x) }
    func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) { ek_sigmoid(x, y, n) }
    @inline(__always) func derivative(_ x: Float, _ s: Float) -> Float { s * (1 - s) }
}
struct TanhFunction: UnaryFunction {
    @inline(__always) func callAsFunction(_ x: Float) -> Float { FastMath.tanh(x) }
    func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) { ek_tanh(x, y, n) }
    @inline(__always) func derivative(_ x: Float, _ t: Float) -> Float { 1 - t * t }
}
struct SiLUFunction: UnaryFunction {
    @inline(__always) func callAsFunction(_ x: Float) -> Float { x * FastMath.sigmoid(x) }
    func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) { ek_silu(x, y, n) }
    func backward(_ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>,
                  _ dx: UnsafeMutablePointer<Float>, _ n: Int) { ek_silu_backward(g, x, dx, n) }
    @inline(__always) func derivative(_ x: Float, _ y: Float) -> Float {
        let s = FastMath.sigmoid(x)
        return s * (1 + x * (1 - s))
    }
}
struct GELUFunction: UnaryFunction {
    @inline(__always) func callAsFunction(_ x: Float) -> Float { 0.5 * x * (1 + FastMath.erf(x * 0.707_106_78)) }
    @inline(__always) func derivative(_ x: Float, _ y: Float) -> Float {
        0.5 * (1 + FastMath.erf(x * 0.707_106_78)) + x * 0.398_942_28 * FastMath.exp(-0.5 * x * x)
    }
    func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) { ek_gelu(x, y, n) }
    func backward(_ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>,
                  _ dx: UnsafeMutablePointer<Float>, _ n: Int) { ek_gelu_backward(g, x, dx, n) }
}
struct GELUTanhFunction: UnaryFunction {
    static let k: Float = 0.797_884_56, c: Float = 0.044_715
    func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) { ek_gelu_tanh(x, y, n) }
    func backward(_ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>,
                  _ dx: UnsafeMutablePointer<Float>, _ n: Int) { ek_gelu_tanh_backward(g, x, dx, n) }
    @inline(__always) func callAsFunction(_ x: Float) -> Float {
        0.5 * x * (1 + FastMath.tanh(Self.k * (x + Self.c * x * x * x)))
    }
    @inline(__always) func derivative(_ x: Float, _ y: Float) -> Float {
        let t = FastMath.tanh(Self.k * (x + Self.c * x * x * x))
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * Self.k * (1 + 3 * Self.c * x * x)
    }
}
struct QuickGELUFunction: UnaryFunction {
    @inline(__always) func callAsFunction(_ x: Float) -> Float { x * FastMath.sigmoid(1.702 * x) }
    func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) { ek_quick_gelu(x, y, n) }
    func backward(_ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>,
                  _ dx: UnsafeMutablePointer<Float>, _ n: Int) { ek_quick_gelu_backward(g, x, dx, n) }
    @inline(__always) func derivative(_ x: Float, _ y: Float) -> Float {
        let s = FastMath.sigmoid(1.702 * x)
        return s + 1.702 * x * s * (1 - s)
    }
}
struct SoftplusFunction: UnaryFunction {
    @inline(__always) func callAsFunction(_ x: Float) -> Float {
        x > 20 ? x : Swift.max(x, 0) + log1pf(FastMath.exp(-Swift.abs(x)))
    }
    @inline(__always) func derivative(_ x: Float, _ y: Float) -> Float { x > 20 ? 1 : FastMath.sigmoid(x) }
}
struct ReLUFunction: UnaryFunction {
    @inline(__always) func callAsFunction(_ x: Float) -> Float { Swift.max(x, 0) }
    @inline(__always) func derivative(_ x: Float, _ y: Float) -> Float { x > 0 ? 1 : 0 }
}
