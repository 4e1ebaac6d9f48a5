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

    /// N×3×S×S in [-1, 1], rendered in parallel on the engine's pool.
    static func pixels(_ scenes: [Scene], size: Int) -> Tensor {
        Tensor(shape: [scenes.count, 3, size, size], scalars: ToyWorld.renderBatch(scenes, size: size))
    }

    /// [-1, 1] pixels as a CLIP/ViT processor normalises them: (x01 − mean) / std per channel.
    static func normalized(_ pixels: Tensor, mean: [Double], std: [Double]) -> Tensor {
        let shape = pixels.shape
        let plane = shape[2] * shape[3]
        var values = pixels.scalars
        for n in 0..<shape[0] {
            for c in 0..<3 {
                let scale = Float(0.5 / std[c]), shift = Float((0.5 - mean[c]) / std[c])
                let base = (n * 3 + c) * plane
                for i in base..<base + plane { values[i] = values[i] * scale + shift }
            }
        }
        return Tensor(shape: shape, scalars: values)
    }

    /// A 64-bit mix of a seed and a position, for draws that belong to one example (crop offsets, view choices).
    static func mix(_ seed: UInt64, _ position: Int) -> UInt64 {
        var z = seed &+ UInt64(truncatingIfNeeded: position) &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
