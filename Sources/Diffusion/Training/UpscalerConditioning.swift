import Tensor

/// The x4 upscaler's conditioning in training, as it is used in sampling (`StableDiffusionUpscalePipeline`): the
/// low-resolution image is noised by the low-res scheduler to a noise level drawn per sample, and that level is the
/// UNet's class label, so at sampling time a chosen level tells the model how much to trust its input.
public struct UpscalerConditioning: Sendable {
    /// The pipeline's `low_res_scheduler` schedule.
    public var lowResSchedule: NoiseSchedule
    /// The largest level drawn: the pipeline's `max_noise_level` (350), or a lower one to teach a small model to follow its input.
    public var maxNoiseLevel: Int

    public init(lowResSchedule: NoiseSchedule, maxNoiseLevel: Int) {
        self.lowResSchedule = lowResSchedule
        self.maxNoiseLevel = maxNoiseLevel
    }

    /// The noised low-res images (N×3×h×w in [-1, 1]) and their levels. Draw order: levels, then noise.
    public func draw(lowRes: Tensor, random: inout RandomGenerator) -> (image: Tensor, levels: [Int]) {
        let n = lowRes.shape[0]
        let levels = Tensor.uniform([n], generator: &random).scalars.map { min(Int($0 * Float(maxNoiseLevel + 1)), maxNoiseLevel) }
        return (noised(lowRes, levels: levels, random: &random), levels)
    }

    /// Noises each image to its level, as the pipeline's `low_res_scheduler.add_noise` does.
    public func noised(_ lowRes: Tensor, levels: [Int], random: inout RandomGenerator) -> Tensor {
        let noise = Tensor.randn(lowRes.shape, generator: &random)
        let alphas = levels.map { Double(lowResSchedule.alphasCumprod[$0]) }
        let signal = DenoisingObjective.perSample(alphas.map { Float($0.squareRoot()) }, like: lowRes)
        let sigma = DenoisingObjective.perSample(alphas.map { Float((1 - $0).squareRoot()) }, like: lowRes)
        return signal * lowRes + sigma * noise
    }
}
