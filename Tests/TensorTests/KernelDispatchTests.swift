import Foundation
import Testing
@testable import Tensor

/// The ISA-dispatched C loops must give the same bits as the engine's scalar Swift definitions, whichever
/// clone (AVX-512, AVX2, baseline) the loader picked on this machine.
@Suite struct KernelDispatchTests {
    static let inputs: [Float] = {
        var gen = RandomGenerator(seed: 21)
        return Tensor.randn([4099], std: 4, generator: &gen).scalars + [0, -0.0, 1e-30, -90, 90, 20, -20, 88.7, -87.3]
    }()

    @Test func activationsMatchTheirScalarDefinitions() {
        let x = Tensor(Self.inputs)
        #expect(x.silu().scalars == Self.inputs.map { SiLUFunction()($0) })
        #expect(x.sigmoid().scalars == Self.inputs.map { SigmoidFunction()($0) })
        #expect(x.tanh().scalars == Self.inputs.map { TanhFunction()($0) })
        #expect(x.geluTanh().scalars == Self.inputs.map { GELUTanhFunction()($0) })
        #expect(x.gelu().scalars == Self.inputs.map { GELUFunction()($0) })
        #expect(x.quickGelu().scalars == Self.inputs.map { QuickGELUFunction()($0) })
        #expect(x.exp().scalars == Self.inputs.map { FastMath.exp($0) })
    }

    @Test func backwardKernelsMatchTheirScalarDefinitions() {
        let g = Tensor(Self.inputs.map { $0 * 0.5 + 1 })
        func check<F: UnaryFunction>(_ f: F, _ op: (Tensor) -> Tensor) {
            let x = Tensor(Self.inputs).requiringGrad()
            let y = op(x)
            y.backward(gradient: g)
            let expected = zip(zip(g.scalars, Self.inputs), y.scalars).map { gx, yv in gx.0 * f.derivative(gx.1, yv) }
            #expect(x.grad!.scalars == expected)
        }
        check(SiLUFunction()) { $0.silu() }
        check(GELUTanhFunction()) { $0.geluTanh() }
        check(GELUFunction()) { $0.gelu() }
        check(QuickGELUFunction()) { $0.quickGelu() }
    }

    @Test func fastErfIsAccurate() {
        for v in stride(from: Float(-6), through: 6, by: 0.013) {
            #expect(Swift.abs(FastMath.erf(v) - erff(v)) < 5e-7, "erf(\(v))")
        }
    }

    @Test func fastExpIsAccurate() {
        for v in stride(from: Float(-80), through: 80, by: 0.37) {
            let rel = Swift.abs(FastMath.exp(v) - Foundation.exp(v)) / Foundation.exp(v)
            #expect(rel < 5e-7, "exp(\(v)) relative error \(rel)")
        }
    }
}
