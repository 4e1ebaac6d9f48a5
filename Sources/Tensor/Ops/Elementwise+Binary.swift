import Foundation

// Binary elementwise ops with NumPy broadcasting. Backward of a broadcast input sums the gradient back
// to the input's shape (`sumTo`).

extension Tensor {
    /// Elementwise sum, broadcasting.
    public static func + (a: Tensor, b: Tensor) -> Tensor {
        let out = broadcast(a, b, AddKernel())
        guard let needs = recording(a, b) else { return out }
        let sa = a.shape, sb = b.shape
        return out.recorded("add", [a, b]) { g in
            [needs[0] ? g.sumTo(sa) : nil, needs[1] ? g.sumTo(sb) : nil]
        }
    }

    /// Elementwise difference, broadcasting.
    public static func - (a: Tensor, b: Tensor) -> Tensor {
        let out = broadcast(a, b, SubKernel())
        guard let needs = recording(a, b) else { return out }
        let sa = a.shape, sb = b.shape
        return out.recorded("sub", [a, b]) { g in
            [needs[0] ? g.sumTo(sa) : nil, needs[1] ? (-g).sumTo(sb) : nil]
        }
    }

    /// Elementwise product, broadcasting.
    public static func * (a: Tensor, b: Tensor) -> Tensor {
        let out = broadcast(a, b, MulKernel())
        guard let needs = recording(a, b) else { return out }
        let sa = a.shape, sb = b.shape
        let ac = a.detached(), bc = b.detached()
        return out.recorded("mul", [a, b]) { g in
            [needs[0] ? (g * bc).sumTo(sa) : nil, needs[1] ? (g * ac).sumTo(sb) : nil]
        }
    }

    /// Elementwise quotient, broadcasting.
    public static func / (a: Tensor, b: Tensor) -> Tensor {
        let out = broadcast(a, b, DivKernel())
        guard let needs = recording(a, b) else { return out }
        let sa = a.shape, sb = b.shape
        let bc = b.detached(), oc = out.detached()
        return out.recorded("div", [a, b]) { g in
            let ga = g / bc
            return [needs[0] ? ga.sumTo(sa) : nil,
                    needs[1] ? (-(ga * oc)).sumTo(sb) : nil]
        }
    }

    /// `a` raised to `b` elementwise, broadcasting (`a` must be positive where `b` is not an integer).
    public static func pow(_ a: Tensor, _ b: Tensor) -> Tensor {
        let out = broadcastElements(a, b) { Foundation.pow($0, $1) }
        guard let needs = recording(a, b) else { return out }
        let sa = a.shape, sb = b.shape
        let ac = a.detached(), bc = b.detached(), oc = out.detached()
        return out.recorded("pow", [a, b]) { g in
            let ga = needs[0]
                ? (g * broadcastElements(ac, bc) { x, p in p * Foundation.pow(x, p - 1) }).sumTo(sa) : nil
            let gb = needs[1]
                ? (g * broadcastElements(oc, ac) { o, x in x > 0 ? o * logf(x) : 0 }).sumTo(sb) : nil
            return [ga, gb]
        }
    }

    /// `self` raised to the constant `p`.
    public func pow(_ p: Float) -> Tensor {
        let out: Tensor
        if p == 2 { out = mapElements { $0 * $0 } } else { out = mapElements { Foundation.pow($0, p) } }
        guard Tensor.recording(self) != nil else { return out }
        let xc = detached()
        return out.recorded("pow", [self]) { g in
            [g.zipElements(xc) { g, x in g * p * (p == 2 ? x : Foundation.pow(x, p - 1)) }]
        }
    }

    /// The larger of `a` and `b` elementwise, broadcasting; the gradient goes to `a` on ties.
    public static func maximum(_ a: Tensor, _ b: Tensor) -> Tensor {
        let out = broadcastElements(a, b) { Swift.max($0, $1) }
        guard let needs = recording(a, b) else { return out }
        let sa = a.shape, sb = b.shape
        let ac = a.detached(), bc = b.detached()
        return out.recorded("maximum", [a, b]) { g in
            let pick = broadcastElements(ac, bc) { $0 >= $1 ? 1 : 0 }
            return [needs[0] ? (g * pick).sumTo(sa) : nil,
                    needs[1] ? (g * (1 - pick)).sumTo(sb) : nil]
        }
    }

    // Scalar forms: no broadcast bookkeeping, one pass.

    public static func + (a: Tensor, s: Float) -> Tensor {
        let out = a.map(AffineKernel(scale: 1, shift: s))
        guard recording(a) != nil else { return out }
        return out.recorded("add_scalar", [a]) { g in [g] }
    }
    public static func + (s: Float, a: Tensor) -> Tensor { a + s }
    public static func - (a: Tensor, s: Float) -> Tensor { a + (-s) }
    public static func - (s: Float, a: Tensor) -> Tensor { (-a) + s }

    public static func * (a: Tensor, s: Float) -> Tensor {
        let out = a.map(AffineKernel(scale: s, shift: 0))
        guard recording(a) != nil else { return out }
        return out.recorded("mul_scalar", [a]) { g in [g * s] }
    }
    public static func * (s: Float, a: Tensor) -> Tensor { a * s }
    public static func / (a: Tensor, s: Float) -> Tensor { a * (1 / s) }

    public static func / (s: Float, a: Tensor) -> Tensor {
        let out = a.mapElements { s / $0 }
        guard recording(a) != nil else { return out }
        let oc = out.detached(), ac = a.detached()
        return out.recorded("rdiv_scalar", [a]) { g in [g.zipElements(oc, ac) { g, o, x in -g * o / x }] }
    }

    /// Elementwise negation.
    public static prefix func - (a: Tensor) -> Tensor {
        let out = a.map(AffineKernel(scale: -1, shift: 0))
        guard recording(a) != nil else { return out }
        return out.recorded("neg", [a]) { g in [-g] }
    }
}
