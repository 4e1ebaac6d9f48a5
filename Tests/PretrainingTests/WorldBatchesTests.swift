import Tensor
import Testing
import ToyWorld
@testable import Pretraining

/// Training batches are drawn straight into the tensor, normalised while drawing; the bytes must be those of
/// normalising a [-1, 1] batch afterwards, channel by channel, which is how the shipped evaluators were trained.
struct WorldBatchesTests {
    @Test func normalisedWhileDrawingEqualsNormalisingAfterwards() {
        let scenes = WorldSampler(seed: 5).examples(0..<3).map(\.scene)
        let mean = [0.48145466, 0.4578275, 0.40821073], std = [0.26862954, 0.26130258, 0.27577711]
        let plain = WorldBatches.pixels(scenes, size: 24).scalars
        #expect(plain == ToyWorld.renderBatch(scenes, size: 24))
        var expected = plain
        let plane = 24 * 24
        for n in 0..<3 {
            for c in 0..<3 {
                let scale = Float(0.5 / std[c]), shift = Float((0.5 - mean[c]) / std[c])
                for i in (n * 3 + c) * plane..<(n * 3 + c + 1) * plane { expected[i] = plain[i] * scale + shift }
            }
        }
        let normalised = WorldBatches.normalizedPixels(scenes, size: 24, mean: mean, std: std)
        #expect(normalised.shape == [3, 3, 24, 24])
        #expect(normalised.scalars == expected)
        #expect(WorldBatches.normalizedPixels(scenes, size: 24, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5]).scalars == plain)
    }
}
