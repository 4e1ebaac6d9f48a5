import Testing
import Tensor
import TestSupport

/// `swappingMiddleAxes` against `permuted` (values) and finite differences (gradient).
@Suite struct SwapAxesTests {
    @Test(arguments: [[2, 3, 5, 4], [1, 70, 33, 1], [2, 37, 41], [3, 1, 6, 2]])
    func matchesPermute(shape: [Int]) {
        var g = RandomGenerator(seed: 3)
        let x = Tensor.randn(shape, generator: &g)
        let order = shape.count == 4 ? [0, 2, 1, 3] : [0, 2, 1]
        let swapped = x.swappingMiddleAxes()
        #expect(swapped.shape == x.permuted(order).shape)
        #expect(swapped.scalars == x.permuted(order).scalars)
        #expect(swapped.swappingMiddleAxes().scalars == x.scalars)
    }

    @Test func gradientMatchesFiniteDifferences() {
        var g = RandomGenerator(seed: 4)
        for shape in [[2, 3, 4, 5], [2, 6, 7]] {
            let x = Tensor.randn(shape, generator: &g)
            let result = gradientCheck([x]) { ($0[0].swappingMiddleAxes() * 1.5).tanh() }
            #expect(result.passed, "\(shape): \(result)")
        }
    }
}
