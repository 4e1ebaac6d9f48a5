import Foundation
import Imaging
import Testing

@testable import ToyWorld

@Suite struct WorldMathTests {
    /// Our polynomial agrees with the platform's sin/cos to a few millionths (the platform's are used here only as
    /// the reference, never in drawing).
    @Test func sineAndCosineAreAccurate() {
        for k in -2000...2000 {
            let x = Float(k) * 0.005
            #expect(abs(WorldMath.sin(x) - Foundation.sin(x)) < 1e-5, "sin \(x)")
            #expect(abs(WorldMath.cos(x) - Foundation.cos(x)) < 1e-5, "cos \(x)")
        }
    }

    @Test func uniformDrawsStayInRange() {
        var rng = SplitMix64(seed: 1)
        for _ in 0..<10_000 {
            let u = rng.unit()
            #expect(u >= 0 && u < 1)
            #expect((2...3).contains(rng.uniform(2...3)))
        }
    }
}
