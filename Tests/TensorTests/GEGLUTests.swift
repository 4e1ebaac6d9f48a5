import Testing
import Tensor
import TestSupport

/// The fused GEGLU against its composition from chunk and the engine's exact GELU, and finite differences.
@Suite struct GEGLUTests {
    @Test func matchesChunkAndGELU() {
        var g = RandomGenerator(seed: 11)
        let x = Tensor.randn([3, 5, 14], std: 2.5, generator: &g)
        let halves = x.chunk(2, axis: -1)
        let reference = (halves[0] * halves[1].gelu()).scalars
        let fused = x.geglu()
        #expect(fused.shape == [3, 5, 7])
        for (a, b) in zip(fused.scalars, reference) { #expect(abs(a - b) <= 1e-6 * max(1, abs(b)), "\(a) vs \(b)") }
    }

    @Test func gradientMatchesFiniteDifferences() {
        var g = RandomGenerator(seed: 12)
        let x = Tensor.randn([4, 10], std: 1.5, generator: &g)
        let result = gradientCheck([x]) { $0[0].geglu() }
        #expect(result.passed, "\(result)")
    }

    @Test func gradientMatchesTheComposition() {
        var g = RandomGenerator(seed: 13)
        let x = Tensor.randn([6, 16], std: 2, generator: &g)
        let weights = Tensor.randn([6, 8], generator: &g)
        let a = x.copied().requiringGrad(), b = x.copied().requiringGrad()
        (a.geglu() * weights).sum().backward()
        let halves = b.chunk(2, axis: -1)
        (halves[0] * halves[1].gelu() * weights).sum().backward()
        for (u, v) in zip(a.grad!.scalars, b.grad!.scalars) { #expect(abs(u - v) <= 1e-5 * max(1, abs(v)), "\(u) vs \(v)") }
    }
}
