import CEngineKernels
import Foundation
import WorkerThreads

// Unary math: each function is a small struct holding its value and its derivative side by side; the
// forward keeps what the backward needs (input and output), nothing more.

/// A scalar function with its derivative, written in terms of the input x and the output y. The bulk
/// forms default to loops over the scalar ones; activations override them with the ISA-dispatched C kernels.
protocol UnaryFunction: Kernel1 {
    func derivative(_ x: Float, _ y: Float) -> Float
    func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int)
    func backward(_ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>,
                  _ dx: UnsafeMutablePointer<Float>, _ n: Int)
}

extension UnaryFunction {
    @inline(__always)
    func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n { y[i] = self(x[i]) }
    }
    @inline(__always)
    func backward(_ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>,
                  _ dx: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n { dx[i] = g[i] * derivative(x[i], y[i]) }
    }
}

extension Tensor {
    /// Applies `f` and records its derivative.
    func unary<F: UnaryFunction>(_ name: String, _ f: F) -> Tensor {
        let out = Tensor.empty(shape)
        let xs = UncheckedBox(pointer), ys = UncheckedBox(out.pointer)
        Parallel.forRanges(count) { r in f.forward(xs.value + r.lowerBound, ys.value + r.lowerBound, r.count) }
        guard Tensor.recording(self) != nil else { return out }
        let xc = detached(), yc = out.detached()
        return out.recorded(name, [self]) { g in
            let dx = Tensor.empty(xc.shape)
            let gs = UncheckedBox(g.pointer), xs = UncheckedBox(xc.pointer), ys = UncheckedBox(yc.pointer)
            let ds = UncheckedBox(dx.pointer)
            Parallel.forRanges(dx.count) { r in
                let lo = r.lowerBound
                f.backward(gs.value + lo, xs.value + lo, ys.value + lo, ds.value + lo, r.count)
            }
            return [dx]
        }
    }

    /// e^x.
    public func exp() -> Tensor { unary("exp", ExpFunction()) }
    /// Natural logarithm.
    public func log() -> Tensor { unary("log", LogFunction()) }
    /// Square root.
    public func sqrt() -> Tensor { unary("sqrt", SqrtFunction()) }
    /// 1 / √x.
    public func rsqrt() -> Tensor { unary("rsqrt", RsqrtFunction()) }
    /// |x|; the gradient at 0 is 0, as in PyTorch.
    public func abs() -> Tensor { unary("abs", AbsFunction()) }
    /// Sine (timestep embeddings).
    public func sin() -> Tensor { unary("sin", SinFunction()) }
    /// Cosine (timestep embeddings).
    public func cos() -> Tensor { unary("cos", CosFunction()) }
    /// x limited to `[min, max]`; the gradient passes only where x is inside (ends included, as in PyTorch).
    public func clamp(min lo: Float = -.infinity, max hi: Float = .infinity) -> Tensor {
        unary("clamp", ClampFunction(lo: lo, hi: hi))
    }
}

struct ExpFunction: UnaryFunction {
    @inline(__always) func callAsFunction(_ x: Float) -> Float { FastMath.exp(x) }
    func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) { ek_exp(x, y, n, 0) }
    @inline(__always) func derivative(_ x: Float, _ y: Float) -> Float { y }
}
struct LogFunction: UnaryFunction {
    @inline(__always) func callAsFunction(_ x: Float) -> Float { logf(x) }
    @inline(__always) func derivative(_ x: Float, _ y: Float) -> Float { 1 / x }
}
struct SqrtFunction: UnaryFunction {
    @inline(__always) func callAsFunction(_ x: Float) -> Float { x.squareRoot() }
    @inline(__always) func derivative(_ x: Float, _ y: Float) -> Float { 0.5 / y }
}
struct RsqrtFunction: UnaryFunction {
    @inline(__always) func callAsFunction(_ x: Float) -> Float { 1 / x.squareRoot() }
    @inline(__always) func derivative(_ x: Float, _ y: Float) -> Float { -0.5 * y * y * y }
}
struct AbsFunction: UnaryFunction {
    @inline(__always) func callAsFunction(_ x: Float) -> Float { Swift.abs(x) }
    @inline(__always) func derivative(_ x: Float, _ y: Float) -> Float { x > 0 ? 1 : (x < 0 ? -1 : 0) }
}
struct SinFunction: UnaryFunction {
    @inline(__always) func callAsFunction(_ x: Float) -> Float { sinf(x) }
    @inline(__always) func derivative(_ x: Float, _ y: Float) -> Float { cosf(x) }
}
struct CosFunction: UnaryFunction {
    @inline(__always) func callAsFunction(_ x: Float) -> Float { cosf(x) }
    @inline(__always) func derivative(_ x: Float, _ y: Float) -> Float { -sinf(x) }
}
struct ClampFunction: UnaryFunction {
    let lo: Float, hi: Float
    @inline(__always) func callAsFunction(_ x: Float) -> Float { Swift.min(Swift.max(x, lo), hi) }
    @inline(__always) func derivative(_ x: Float, _ y: Float) -> Float { x >= lo && x <= hi ? 1 : 0 }
}
