import Tensor

/// The outcome of a central finite-difference check of one function's gradient along a random direction.
public struct GradientCheckResult: CustomStringConvertible {
    /// (L(x+εv) − L(x−εv)) / 2ε, summed in Double.
    public let numeric: Double
    /// Σ ∂L/∂x · v from backward(), in Double.
    public let analytic: Double
    /// ‖∂L/∂x‖·‖v‖: the largest the directional derivative could be, the scale errors are measured against.
    public let scale: Double
    /// Allowed |numeric − analytic| / scale.
    public let relativeTolerance: Double

    public var error: Double { abs(numeric - analytic) / max(scale, 1e-6) }
    public var passed: Bool { error <= relativeTolerance && numeric.isFinite && analytic.isFinite }
    public var description: String {
        "numeric \(numeric), analytic \(analytic), relative error \(error) (tolerance \(relativeTolerance))"
    }
}

/// Checks `f`'s backward against central finite differences: L = Σ f(x) ⊙ R for a fixed random R,
/// compared along one random direction v over all inputs at once. Inputs in `constant` get no gradient.
///
/// With ε = 1e-2 on unit-scale inputs, float32 rounding and truncation stay below 1e-3 of the scale,
/// while a wrong rule (a missing term, a wrong sign or factor) is off by a sizeable fraction of it.
public func gradientCheck(_ inputs: [Tensor], seed: UInt64 = 7, epsilon: Float = 1e-2,
                          tolerance: Double = 1e-2, constant: Set<Int> = [],
                          _ f: ([Tensor]) -> Tensor) -> GradientCheckResult {
    var gen = RandomGenerator(seed: seed)
    let leaves = inputs.enumerated().map { i, t in constant.contains(i) ? t.copied() : t.copied().requiringGrad() }
    let probe = noGrad { f(leaves) }
    let r = Tensor.randn(probe.shape, generator: &gen)
    let directions = leaves.map { Tensor.randn($0.shape, generator: &gen) }

    func loss(_ xs: [Tensor]) -> Double {
        let y = noGrad { f(xs) }
        return zip(y.scalars, r.scalars).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    }

    let y = f(leaves)
    (y * r).sum().backward()
    var analytic = 0.0, gradNorm = 0.0, dirNorm = 0.0
    for (i, leaf) in leaves.enumerated() where !constant.contains(i) {
        let g = leaf.grad?.scalars ?? [Float](repeating: 0, count: leaf.count)
        for (gv, vv) in zip(g, directions[i].scalars) {
            analytic += Double(gv) * Double(vv)
            gradNorm += Double(gv) * Double(gv)
            dirNorm += Double(vv) * Double(vv)
        }
    }
    func shifted(_ sign: Float) -> [Tensor] {
        leaves.enumerated().map { i, x in
            constant.contains(i) ? x.detached() : Tensor(shape: x.shape, scalars: zip(x.scalars, directions[i].scalars).map { $0 + sign * epsilon * $1 })
        }
    }
    let numeric = (loss(shifted(1)) - loss(shifted(-1))) / (2 * Double(epsilon))
    return GradientCheckResult(numeric: numeric, analytic: analytic, scale: (gradNorm * dirNorm).squareRoot(),
                               relativeTolerance: tolerance)
}

/// The largest |a − b| / (atol + rtol·|b|) over two equally long arrays (≤ 1 means close).
public func closeness(_ a: [Float], _ b: [Float], atol: Float = 1e-5, rtol: Float = 1e-4) -> Float {
    precondition(a.count == b.count, "lengths \(a.count) and \(b.count) differ")
    var worst: Float = 0
    for (x, y) in zip(a, b) {
        if x.isNaN != y.isNaN { return .infinity }
        worst = max(worst, abs(x - y) / (atol + rtol * abs(y)))
    }
    return worst
}
