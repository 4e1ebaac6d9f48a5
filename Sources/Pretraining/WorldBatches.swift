import Foundation
import Tensor
import ToyWorld

/// Renders training batches from the embedded world: micro-batch `index` of a stream is examples
/// `index·B ..< (index+1)·B` of a `WorldSampler`, so any micro-batch can be drawn again after a resume.
struct WorldBatches: Sendable {
    let sampler: WorldSampler
    let batchSize: Int

    init(seed: UInt64, batchSize: Int) {
        sampler = WorldSampler(seed: seed)
        self.batchSize = batchSize
    }

    func examples(_ index: Int) -> [WorldExample] {
        sampler.examples(index * batchSize..<(index + 1) * batchSize)
    }

    /// N×3×S×S in [-1, 1], rendered in parallel on the engine's pool straight into the tensor's (pooled) buffer.
    static func pixels(_ scenes: [Scene], size: Int) -> Tensor {
        Tensor.filled([scenes.count, 3, size, size]) { ToyWorld.renderBatch(scenes, size: size, into: $0) }
    }

    /// N×3×S×S as a CLIP/ViT processor normalises pixels, (x01 − mean) / std per channel, applied while drawing.
    static func normalizedPixels(_ scenes: [Scene], size: Int, mean: [Double], std: [Double]) -> Tensor {
        let channels = (0..<3).map { c in (scale: Float(0.5 / std[c]), shift: Float((0.5 - mean[c]) / std[c])) }
        return Tensor.filled([scenes.count, 3, size, size]) {
            ToyWorld.renderBatch(scenes, size: size, into: $0, channels: channels)
        }
    }

    /// A 64-bit mix of a seed and a position, for draws that belong to one example (crop offsets, view choices).
    static func mix(_ seed: UInt64, _ position: Int) -> UInt64 {
        var z = seed &+ UInt64(truncatingIfNeeded: position) &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
