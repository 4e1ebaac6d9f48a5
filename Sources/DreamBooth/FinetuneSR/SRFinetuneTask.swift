import Diffusion
import Foundation
import Imaging
import Tensor
import Training

/// The super-resolution fine-tune's objective (DreamBooth §3.3): (low, high) pairs of the subject's photos. High is a
/// photo resized and cropped as the base fine-tune's (at the upscaler's output side), optionally cut to a smaller
/// random crop on the low-resolution grid; low is that crop downsampled by the upscaler's factor with the same
/// bilinear filter the base resolution's photos get, then noised to a fixed augmentation level, which is also the
/// UNet's class label (as the upscale pipeline's `noise_level` is at sampling time).
final class SRFinetuneTask: TrainingTask {
    let upscaler: StableDiffusionUpscale
    let photos: [Image]
    /// The text encoder's states of each photo's prompt (the text encoder is frozen).
    let states: [Tensor]
    let objective: DenoisingObjective
    let conditioning: UpscalerConditioning
    let noiseLevel: Int
    let transform: TrainingTransform
    let cropSize: Int
    let batchSize: Int
    let dataSeed: UInt64
    let trainable: [(name: String, tensor: Tensor)]

    init(upscaler: StableDiffusionUpscale, photos: [Image], prompts: [String], objective: DenoisingObjective,
         noiseLevel: Int, transform: TrainingTransform, cropSize: Int, batchSize: Int, dataSeed: UInt64,
         trainable: [(name: String, tensor: Tensor)]) throws {
        self.upscaler = upscaler
        self.photos = photos
        precondition(prompts.count == 1 || prompts.count == photos.count, "\(prompts.count) prompts for \(photos.count) photos")
        let perPhoto = prompts.count == 1 ? Array(repeating: prompts[0], count: photos.count) : prompts
        var encoded: [String: Tensor] = [:]
        for prompt in Set(perPhoto) { encoded[prompt] = try upscaler.encode([prompt]) }
        states = perPhoto.map { encoded[$0]! }
        self.objective = objective
        conditioning = UpscalerConditioning(lowResSchedule: try NoiseSchedule(config: upscaler.lowResScheduler.config),
                                            maxNoiseLevel: noiseLevel)
        self.noiseLevel = noiseLevel
        self.transform = transform
        self.cropSize = cropSize
        self.batchSize = batchSize
        self.dataSeed = dataSeed
        self.trainable = trainable
    }

    var trainableParameters: [(name: String, tensor: Tensor)] { trainable }
    var examplesPerBatch: Int { batchSize }
    var factor: Int { upscaler.vaeScale }

    /// Micro-batch `index`: photos `index·B …` (cycling), each resized, cropped (and flipped) by its own seed.
    func batch(_ index: Int) throws -> (high: Tensor, low: Tensor, context: Tensor) {
        var highs: [Image] = [], lows: [Image] = [], contexts: [Tensor] = []
        for k in 0..<batchSize {
            let n = index * batchSize + k
            let seed = dataSeed ^ UInt64(truncatingIfNeeded: n &* 0x9E37_79B9)
            var high = transform.apply(photos[n % photos.count], seed: seed)
            if cropSize < transform.resolution {
                // Offsets on the low-resolution grid, so the low crop is exactly the high crop's downsampled copy.
                var rng = SplitMix64(seed: seed ^ 0xC0FF)
                let cells = (transform.resolution - cropSize) / factor + 1
                let x = Int(rng.next() % UInt64(cells)) * factor, y = Int(rng.next() % UInt64(cells)) * factor
                high = high.cropped(x: x, y: y, width: cropSize, height: cropSize)
            }
            highs.append(high)
            lows.append(high.downsampled(by: factor, filter: transform.filter))
            contexts.append(states[n % photos.count])
        }
        return (Tensor(images: highs, range: .signed), Tensor(images: lows, range: .signed), Tensor.concat(contexts, axis: 0))
    }

    /// Draw order: the latent sample, the low-res noise, then timesteps and noise.
    func loss(_ batch: (high: Tensor, low: Tensor, context: Tensor), random: inout RandomGenerator) throws -> Tensor {
        let n = batch.high.shape[0]
        let latents = try noGrad {
            let (mean, logvar) = try upscaler.vae.encode(batch.high)
            return upscaler.vae.sample(mean: mean, logvar: logvar, generator: &random) * upscaler.vae.scalingFactor
        }
        let levels = [Int](repeating: noiseLevel, count: n)
        let low = conditioning.noised(batch.low, levels: levels, random: &random)
        let draw = objective.draw(clean: latents, random: &random)
        let predicted = try upscaler.unet.forward(sample: Tensor.concat([draw.noisy, low], axis: 1),
                                                  timesteps: draw.timesteps.map(Float.init), encoderHiddenStates: batch.context,
                                                  classLabels: levels)
        return objective.loss(predicted, draw)
    }
}
