import Foundation
import Testing
import ToyWorld
@testable import Pretraining

@Suite struct EvaluationTests {
    /// For 1-D Gaussians the distance is (μ₁ − μ₂)² + (σ₁ − σ₂)²; identical sets are at 0.
    @Test func frechetDistanceOfKnownGaussians() {
        let a: [[Float]] = [[-1], [1], [-1], [1]]          // mean 0, unbiased variance 4/3
        let b: [[Float]] = [[1], [5], [1], [5]]            // mean 3, variance 16/3
        let expected = 9 + pow((4.0 / 3).squareRoot() - (16.0 / 3).squareRoot(), 2)
        #expect(abs(FrechetDistance.between(a, b) - expected) < 1e-9)
        #expect(abs(FrechetDistance.between(a, a)) < 1e-9)
    }

    /// The Jacobi square root of a full symmetric matrix squares back to it.
    @Test func symmetricSquareRootSquaresBack() {
        let m: [[Double]] = [[4, 1, 0], [1, 3, 0.5], [0, 0.5, 2]]
        let root = FrechetDistance.symmetricSquareRoot(m)
        let back = FrechetDistance.product(root, root)
        for i in 0..<3 { for j in 0..<3 { #expect(abs(back[i][j] - m[i][j]) < 1e-9) } }
    }

    @Test func heldOutScenesUseOnlyEvaluationIDs() {
        let scenes = HeldOutScenes.scenes(count: 500, seed: 3)
        #expect(scenes.allSatisfy { HeldOutScenes.evaluationIDs.contains($0.subject.id.id) && $0.subject.id.isReserved })
        #expect(Set(scenes.map(\.worldClass)).count == WorldClass.allCases.count)
        let subjects = HeldOutScenes.distinctSubjects(perClass: 9, seed: 1)
        #expect(subjects.count == 54 && Set(subjects).count == 54)
        // The same seed gives the same scenes; another seed, others.
        #expect(HeldOutScenes.scenes(count: 20, seed: 3) == Array(scenes.prefix(20)))
        #expect(HeldOutScenes.scenes(count: 20, seed: 4) != Array(scenes.prefix(20)))
    }
}
