import Tensor

/// One input element's central finite difference beside the gradient backward() gave it.
public struct GradientCheckElement: CustomStringConvertible, Sendable {
    /// Which input (position in the array passed to `gradientCheck`).
    public let input: Int
    /// The element's position in that input, as a flat index and per axis.
    public let flatIndex: Int
    public let index: [Int]
    /// (L(x+h) − L(x−h)) / ((x+h) − (x−h)), with the step as float32 represents it and ΔL summed in Double.
    public let numeric: Double
    /// ∂L/∂x from backward().
    public let analytic: Double
    /// atol + rtol·|numeric| for this element.
    public let bound: Double
    /// The float32 noise part of atol for this element (see `gradientCheck`).
    public let noise: Double

    /// |numeric − analytic| / bound: ≤ 1 passes.
    public var excess: Double { numeric == analytic ? 0 : abs(numeric - analytic) / bound }
    public var isFinite: Bool { numeric.isFinite && analytic.isFinite }

    public var description: String {
        "input \(input) element \(index) (flat \(flatIndex)): finite difference \(numeric), analytic \(analytic), "
            + "|difference| \(abs(numeric - analytic)) against bound \(bound) (float32 noise \(noise))"
    }
}

/// The outcome of an element-by-element central finite-difference check of one function's gradient.
public struct GradientCheckResult: CustomStringConvertible, Sendable {
    /// The element that came closest to (or furthest past) its bound; nil when nothing was checked.
    public let worst: GradientCheckElement?
    /// How many elements were checked, out of how many that take a gradient.
    public let checked: Int
    public let total: Int
    /// The per-element bound |fd − an| ≤ atol + rtol·|fd| with atol = scaleTolerance·scale + noise.
    public let relativeTolerance: Double
    public let scaleTolerance: Double
    /// max |fd| over the checked elements: the scale `scaleTolerance` is taken of.
    public let scale: Double
    /// An element whose finite difference or gradient is not finite (reported before the worst bound).
    public let nonFinite: GradientCheckElement?

    public var passed: Bool { nonFinite == nil && checked > 0 && (worst?.excess ?? 0) <= 1 }

    public var description: String {
        let what = "\(checked) of \(total) elements checked, |fd − analytic| ≤ \(scaleTolerance)·\(scale) + noise + "
            + "\(relativeTolerance)·|fd|"
        if let bad = nonFinite { return "not finite: \(bad); \(what)" }
        guard let worst else { return "nothing checked (\(what))" }
        return "\(passed ? "worst" : "FAILED at") \(worst), \(worst.excess)× its bound; \(what)"
    }
}

/// Checks `f`'s backward against central finite differences element by element: L = Σ f(x) ⊙ R for a fixed random
/// R, and for each checked element x_k of each input not in `constant`, fd = (L(x_k+h) − L(x_k−h)) / step with
/// h = ε·max(1, |x_k|) and step = (x_k+h) − (x_k−h) as float32 rounds them, against ∂L/∂x_k from backward().
///
/// Each element must satisfy |fd − an| ≤ atol + rtol·|fd| (rtol = `tolerance`), where
/// atol = 1e-3·max|fd| + noise_k:
/// - 1e-3 of the largest finite difference absorbs the central difference's truncation error (h²/6·f''' ≈ 2e-5·f'''
///   at ε = 1e-2 on unit-scale inputs) on elements whose own derivative is near zero;
/// - noise_k is the float32 rounding of the forward divided by the step: ΔL = Σ_j (y⁺_j − y⁻_j)·R_j is exact in
///   Double, so only outputs the perturbation changed carry error, each at most `roundings`·u·m_j with u = 2⁻²⁴ and
///   m_j = max(|y⁺_j|, |y⁻_j|) + rms(y) (the rms covers outputs that are small by cancellation):
///   noise_k = Σ_changed |R_j|·2·roundings·u·m_j / step. `roundings` = 32 budgets a few chained ops and short sums
///   per output, worst case (not a typical case), so it holds on every BLAS kernel.
/// A wrong rule (a missing term, a wrong sign, a factor off by a few percent) exceeds this on the largest elements.
///
/// Inputs with more than `maxElements` elements in all are checked on a seeded subset: the `maxElements / 8` largest
/// |analytic| elements (where a wrong factor shows most), then a uniform sample of the rest.
public func gradientCheck(_ inputs: [Tensor], seed: UInt64 = 7, epsilon: Float = 1e-2,
                          tolerance: Double = 1e-2, constant: Set<Int> = [], maxElements: Int = 256,
                          _ f: ([Tensor]) -> Tensor) -> GradientCheckResult {
    let scaleTolerance = 1e-3, roundings = 32.0, unitRoundoff = 0x1p-24
    var gen = RandomGenerator(seed: seed)
    let leaves = inputs.enumerated().map { i, t in constant.contains(i) ? t.copied() : t.copied().requiringGrad() }
    let probe = noGrad { f(leaves) }
    let r = Tensor.randn(probe.shape, generator: &gen).scalars.map(Double.init)
    let probeValues = probe.scalars
    let squares = probeValues.reduce(0.0) { $0 + Double($1) * Double($1) }
    let rms = (squares / Double(max(probeValues.count, 1))).squareRoot()

    let y = f(leaves)
    (y * Tensor(shape: probe.shape, scalars: r.map(Float.init))).sum().backward()
    let analytic: [[Float]] = leaves.enumerated().map { i, leaf in
        constant.contains(i) ? [] : (leaf.grad?.scalars ?? [Float](repeating: 0, count: leaf.count))
    }

    // The elements to check: all of them, or the largest gradients and a seeded sample of the rest.
    var candidates: [(input: Int, index: Int)] = []
    for (i, g) in analytic.enumerated() where !constant.contains(i) { candidates += g.indices.map { (i, $0) } }
    let total = candidates.count
    if total > maxElements {
        candidates.sort { abs(analytic[$0.input][$0.index]) > abs(analytic[$1.input][$1.index]) }
        let largest = maxElements / 8
        for k in largest..<maxElements {  // partial Fisher–Yates over the rest
            candidates.swapAt(k, k + gen.nextInt(below: total - k))
        }
        candidates.removeSubrange(maxElements...)
    }

    let base = leaves.map { $0.detached() }
    func outputs(_ input: Int, _ index: Int, _ value: Float) -> [Float] {
        var values = base[input].scalars
        values[index] = value
        var xs = base
        xs[input] = Tensor(shape: base[input].shape, scalars: values)
        return noGrad { f(xs) }.scalars
    }
    var measured: [(input: Int, index: Int, numeric: Double, noise: Double)] = []
    for (input, index) in candidates {
        let x = base[input].scalars[index]
        let h = epsilon * max(1, abs(x))
        let (up, down) = (x + h, x - h)
        let step = Double(up) - Double(down)
        let (yUp, yDown) = (outputs(input, index, up), outputs(input, index, down))
        var delta = 0.0, noise = 0.0
        for j in yUp.indices where yUp[j] != yDown[j] {
            delta += (Double(yUp[j]) - Double(yDown[j])) * r[j]
            noise += abs(r[j]) * 2 * roundings * unitRoundoff * (Double(max(abs(yUp[j]), abs(yDown[j]))) + rms)
        }
        measured.append((input, index, delta / step, noise / step))
    }

    let scale = measured.map { abs($0.numeric) }.filter(\.isFinite).max() ?? 0
    var worst: GradientCheckElement?, nonFinite: GradientCheckElement?
    for m in measured {
        let e = GradientCheckElement(
            input: m.input, flatIndex: m.index, index: multiIndex(m.index, shape: inputs[m.input].shape),
            numeric: m.numeric, analytic: Double(analytic[m.input][m.index]),
            bound: scaleTolerance * scale + m.noise + tolerance * abs(m.numeric), noise: m.noise)
        if !e.isFinite, nonFinite == nil { nonFinite = e }
        if e.isFinite, worst.map({ e.excess > $0.excess }) ?? true { worst = e }
    }
    return GradientCheckResult(worst: worst, checked: measured.count, total: total, relativeTolerance: tolerance,
                               scaleTolerance: scaleTolerance, scale: scale, nonFinite: nonFinite)
}

/// A flat row-major index as one index per axis.
private func multiIndex(_ flat: Int, shape: [Int]) -> [Int] {
    var rest = flat, index = [Int](repeating: 0, count: shape.count)
    for axis in shape.indices.reversed() where shape[axis] > 0 {
        index[axis] = rest % shape[axis]
        rest /= shape[axis]
    }
    return index
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
