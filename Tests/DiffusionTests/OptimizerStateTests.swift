import Foundation
import Tensor
import Testing
import TestSupport
import Diffusion

/// Training resumes exactly from optimizer state saved as safetensors.
@Suite struct OptimizerStateTests {
    /// Fits w to a target with AdamW; returns w after `steps` steps from `start`.
    func train(_ w: Tensor, _ optimizer: AdamW, steps: Int) {
        let target = Tensor(shape: [2, 3], scalars: [1, -2, 3, 0.5, 0, -1])
        for _ in 0..<steps {
            let loss = Tensor.mseLoss(w, target)
            loss.backward()
            optimizer.step()
            optimizer.zeroGrad()
        }
    }

    @Test func resumeFromSafetensorsIsBitExact() throws {
        let folder = try TemporaryFolder()
        let path = folder.url.appendingPathComponent("optimizer.safetensors").path
        let straight = Tensor.zeros([2, 3]).requiringGrad()
        train(straight, AdamW([straight], learningRate: 0.1), steps: 10)

        let w = Tensor.zeros([2, 3]).requiringGrad()
        let first = AdamW([w], learningRate: 0.1)
        train(w, first, steps: 4)
        try first.save(safetensors: path)
        let saved = w.scalars

        let resumed = Tensor(shape: [2, 3], scalars: saved).requiringGrad()
        let second = AdamW([resumed], learningRate: 0.1)
        try second.load(safetensors: path)
        #expect(second.stepCount == 4)
        train(resumed, second, steps: 6)
        #expect(resumed.scalars == straight.scalars)
    }

    @Test func mismatchedStateNamesTheFile() throws {
        let folder = try TemporaryFolder()
        let path = folder.url.appendingPathComponent("optimizer.safetensors").path
        try AdamW([Tensor.zeros([2, 3]).requiringGrad()]).save(safetensors: path)
        let other = AdamW([Tensor.zeros([3, 3]).requiringGrad()])
        #expect { try other.load(safetensors: path) } throws: { "\($0)".contains("optimizer.safetensors") }
    }
}
