import Testing
import Tensor
import TestSupport

/// Every op against PyTorch (forward and input gradients) and against central finite differences.
@Suite struct OpReferenceTests {
    static let names = OpRegistry.ops.keys.sorted()

    @Test func everyFixtureCaseHasAnEngineOp() throws {
        let cases = try Fixtures.ops()
        #expect(Set(cases.keys) == Set(OpRegistry.ops.keys))
    }

    @Test(arguments: names)
    func forwardAndBackwardMatchPyTorch(_ name: String) throws {
        let c = try #require(try Fixtures.ops()[name])
        let op = try #require(OpRegistry.ops[name])
        let inputs = c.inputs.map { $0.tensor.requiringGrad() }
        let y = op(inputs, c.params)
        #expect(y.shape == c.output.shape, "\(name): shape")
        #expect(closeness(y.scalars, c.output.data) <= 1, "\(name): forward \(y.scalars.prefix(6)) vs \(c.output.data.prefix(6))")
        (y * c.upstream.tensor).sum().backward()
        for (i, (x, ref)) in zip(inputs, c.grads).enumerated() {
            let g = try #require(x.grad, "\(name): no gradient for input \(i)")
            #expect(g.shape == ref.shape)
            #expect(closeness(g.scalars, ref.data, atol: 1e-4, rtol: 1e-3) <= 1,
                    "\(name): grad \(i) \(g.scalars.prefix(6)) vs \(ref.data.prefix(6))")
        }
    }

    @Test(arguments: names)
    func backwardMatchesFiniteDifferences(_ name: String) throws {
        let c = try #require(try Fixtures.ops()[name])
        let op = try #require(OpRegistry.ops[name])
        let eps: Float = OpRegistry.fineStep.contains(name) ? 1e-3 : 1e-2
        let result = gradientCheck(c.inputs.map(\.tensor), epsilon: eps) { op($0, c.params) }
        #expect(result.passed, "\(name): \(result)")
    }
}
