import Testing
import Tensor
import TestSupport

/// The finite-difference checker itself: it must reject a wrong gradient, or the op checks prove nothing.
@Suite struct GradientCheckTests {
    @Test func rejectsAGradientThatMissesATerm() {
        // d(x·x)/dx is 2x, but detaching one factor makes backward report x.
        var gen = RandomGenerator(seed: 3)
        let x = Tensor.randn([4, 5], generator: &gen)
        let wrong = gradientCheck([x]) { $0[0] * $0[0].detached() }
        #expect(!wrong.passed, "\(wrong)")
        let right = gradientCheck([x]) { $0[0] * $0[0] }
        #expect(right.passed, "\(right)")
    }

    @Test func rejectsAGradientOffByTenPercent() {
        var gen = RandomGenerator(seed: 4)
        let x = Tensor.randn([3, 3], generator: &gen)
        // Forward multiplies by 1.1 through a detached path, backward only sees the factor 1.
        let wrong = gradientCheck([x]) { $0[0].exp() + ($0[0].exp() * 0.1).detached() }
        // L = Σ 1.1·e^x·R: numeric derivative 1.1× the analytic one.
        #expect(!wrong.passed, "\(wrong)")
    }

    typealias Op = @Sendable (Tensor) -> Tensor

    /// Ops whose every input element reaches one output (tanh), a row (softmax) or a column (a product).
    static let ops: [(String, Op)] = [
        ("tanh", { ($0 * 1.5).tanh() }),
        ("softmax", { $0.softmax() }),
        ("matmul", { x in
            var g = RandomGenerator(seed: 11)
            return Tensor.matmul(x, Tensor.randn([x.shape[1], 5], std: 0.5, generator: &g))
        }),
    ]
    /// n = 9, 256, 4096 as matrices.
    static let shapes: [[Int]] = [[3, 3], [16, 16], [64, 64]]

    /// Forward as `op`, backward 1.05× the true gradient in every element.
    static func fivePercentHigh(_ op: @escaping Op) -> Op {
        { x in let y = op(x); return y * 1.05 - (y * 0.05).detached() }
    }

    @Test(arguments: ops.indices, shapes)
    func rejectsAGradientFivePercentHighInEveryElement(_ op: Int, _ shape: [Int]) {
        var gen = RandomGenerator(seed: 20)
        let x = Tensor.randn(shape, generator: &gen)
        let (name, f) = Self.ops[op]
        let wrong = gradientCheck([x]) { Self.fivePercentHigh(f)($0[0]) }
        #expect(!wrong.passed, "\(name) \(shape): \(wrong)")
        let right = gradientCheck([x]) { f($0[0]) }
        #expect(right.passed, "\(name) \(shape): \(right)")
        #expect(right.checked == min(256, x.count) && right.total == x.count)
    }

    /// Of 4096 elements only 256 are checked; the largest gradient is always among them, so a rule wrong only there
    /// is caught.
    @Test func checksTheLargestGradientOfALargeInput() {
        var gen = RandomGenerator(seed: 21)
        var values = Tensor.randn([64, 64], generator: &gen).scalars
        let k = 1234
        values[k] = 6  // ½x² has gradient x: the largest at k
        let x = Tensor(shape: [64, 64], scalars: values)
        var mask = [Float](repeating: 0, count: values.count)
        mask[k] = 0.05
        let m = Tensor(shape: [64, 64], scalars: mask)
        let wrong = gradientCheck([x]) { xs in
            let y = xs[0] * xs[0] * 0.5
            return y + y * m - (y * m).detached()
        }
        #expect(!wrong.passed, "\(wrong)")
        #expect(wrong.worst?.flatIndex == k && wrong.worst?.index == [19, 18])
        #expect("\(wrong)".contains("element [19, 18] (flat 1234)"), "\(wrong)")
        #expect(gradientCheck([x]) { $0[0] * $0[0] * 0.5 }.passed)
    }

    /// The step is what float32 makes of (x + h) − (x − h), not 2h: for y = 2x (exact in float32) the finite
    /// difference is then exact, where 2h would be off by the rounding of x ± h (≈ 3e-5 relative at x = 1000.3).
    @Test func dividesByTheRepresentedStep() {
        let x = Tensor(shape: [3], scalars: [3, 1000.3, -0.7])
        let r = gradientCheck([x], epsilon: 1e-3) { $0[0] * 2 }
        let worst = r.worst!
        #expect(r.passed && abs(worst.numeric - worst.analytic) < 1e-12 * abs(worst.analytic), "\(r)")
    }

    @Test func constantInputsAreNotChecked() {
        var gen = RandomGenerator(seed: 22)
        let a = Tensor.randn([2, 3], generator: &gen), b = Tensor.randn([2, 3], generator: &gen)
        let r = gradientCheck([a, b], constant: [1]) { $0[0] * $0[1].detached() }
        #expect(r.passed && r.total == 6, "\(r)")
    }
}
