import Foundation

// Unary math: each forward keeps what its backward needs (input or output), nothing more.

extension Tensor {
    /// Records a unary op whose derivative is a function of the input `x` and output `y`.
    @inline(__always)
    func unary(_ name: String, _ forward: (Float) -> Float,
               derivative: @escaping (_ x: Float, _ y: Float) -> Float) -> Tensor {
        let out = mapElements(forward)
        guard Tensor.recording(self) != nil else { return out }
        let xc = detached(), yc = out.detached()
        return out.recorded(name, [self]) { g in
            [g.zipElements(xc, yc) { g, x, y in g * derivative(x, y) }]
        }
    }

    /// e^x.
    public func exp() -> Tensor { unary("exp", { FastMath.exp($0) }, derivative: { _, y in y }) }
    /// Natural logarithm.
    public func log() -> Tensor { unary("log", { logf($0) }, derivative: { x, _ in 1 / x }) }
    /// Square root.
    public func sqrt() -> Tensor { unary("sqrt", { $0.squareRoot() }, derivative: { _, y in 0.5 / y }) }
    /// 1 / √x.
    public func rsqrt() -> Tensor { unary("rsqrt", { 1 / $0.squareRoot() }, derivative: { _, y in -0.5 * y * y * y }) }
    /// |x|; the gradient at 0 is 0, as in PyTorch.
    public func abs() -> Tensor {
        unary("abs", { Swift.abs($0) }, derivative: { x, _ in x > 0 ? 1 : (x < 0 ? -1 : 0) })
    }
    /// x limited to `[min, max]`; the gradient passes only where x is inside (ends included, as in PyTorch).
    public func clamp(min lo: Float = -.infinity, max hi: Float = .infinity) -> Tensor {
        unary("clamp", { Swift.min(Swift.max($0, lo), hi) }, derivative: { x, _ in x >= lo && x <= hi ? 1 : 0 })
    }
}
