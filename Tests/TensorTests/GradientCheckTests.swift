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
}
