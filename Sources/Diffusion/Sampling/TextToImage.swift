import Tensor

/// What to generate: prompts, seeds (one per image), steps and guidance.
public struct TextToImageRequest: Sendable {
    /// One prompt for every image, or one per image.
    public var prompts: [String]
    /// What to steer away from under guidance: one for all, one per image, or nil for the empty prompt.
    public var negativePrompts: [String]?
    /// One seed per image: image i's initial latents (and step noise) come from `seeds[i]` alone, so it is the same
    /// image whatever else is in the batch.
    public var seeds: [UInt64]
    public var steps: Int
    /// Classifier-free guidance weight; 1 or less turns guidance off (one model call per step instead of two).
    public var guidanceScale: Float
    /// diffusers' `guidance_rescale` (0 = off; 0.7 is the paper's suggestion for v-prediction models).
    public var guidanceRescale: Float = 0
    /// Latent height and width (image size / the VAE's downsampling factor, 8 for Stable Diffusion).
    public var latentHeight: Int
    public var latentWidth: Int
    /// Start from this N×C×h×w standard-normal noise instead of drawing it from the seeds (diffusers' `latents`
    /// argument: reproducing a run, or comparing with another implementation). Still scaled by `initNoiseSigma`;
    /// step noise of stochastic schedulers still comes from the seeds.
    public var initialNoise: Tensor?

    public init(
        prompts: [String], negativePrompts: [String]? = nil, seeds: [UInt64], steps: Int = 50,
        guidanceScale: Float = 7.5, latentHeight: Int, latentWidth: Int
    ) {
        self.prompts = prompts
        self.negativePrompts = negativePrompts
        self.seeds = seeds
        self.steps = steps
        self.guidanceScale = guidanceScale
        self.latentHeight = latentHeight
        self.latentWidth = latentWidth
    }
}

/// Text-to-image sampling as diffusers' `StableDiffusionPipeline.__call__`, over any denoiser, text encoder and
/// decoder, so it runs (and is tested) without the real models.
public struct TextToImage {
    /// A configured scheduler; each run copies it and sets its timesteps.
    public var scheduler: any Scheduler
    public var denoiser: Denoiser
    /// Prompts → N×T×E embeddings (the CLIP text encoder's last hidden state).
    public var encodePrompts: ([String]) throws -> Tensor
    /// Turns latents into images; nil to return latents only.
    public var decoder: LatentDecoder?
    /// The UNet's latent channels (`in_channels`, 4 for Stable Diffusion).
    public var latentChannels: Int

    public init(
        scheduler: any Scheduler, denoiser: @escaping Denoiser, encodePrompts: @escaping ([String]) throws -> Tensor,
        decoder: LatentDecoder? = nil, latentChannels: Int = 4
    ) {
        self.scheduler = scheduler
        self.denoiser = denoiser
        self.encodePrompts = encodePrompts
        self.decoder = decoder
        self.latentChannels = latentChannels
    }

    /// Runs the request: initial noise per seed scaled by the scheduler's `initNoiseSigma`, `steps` guided
    /// denoising steps, then the decoder.
    public func generate(_ request: TextToImageRequest, control: SamplingControl = SamplingControl()) throws -> SamplingResult {
        guard !request.seeds.isEmpty else { throw SamplingError(field: "seeds", "give one seed per image") }
        guard (0...1).contains(request.guidanceRescale) else {
            throw SamplingError(field: "guidanceRescale", "\(request.guidanceRescale) is outside 0...1")
        }
        guard request.latentHeight > 0, request.latentWidth > 0 else {
            throw SamplingError(field: "latentHeight", "latent size \(request.latentHeight)×\(request.latentWidth) must be positive")
        }
        let count = request.seeds.count
        let guided = request.guidanceScale > 1
        let (context, unconditional) = try Diffusion.encodePrompts(
            request.prompts, negative: request.negativePrompts, count: count, guided: guided, encode: encodePrompts)

        var scheduler = self.scheduler
        try scheduler.setTimesteps(request.steps)
        var noise = SeededNoise(seeds: request.seeds)
        let shape = [latentChannels, request.latentHeight, request.latentWidth]
        let latents = try initialNoise(request.initialNoise, noise: &noise, itemShape: shape) * scheduler.initNoiseSigma
        let conditioning = Conditioning(context: context, unconditionalContext: unconditional,
                                        guidanceScale: request.guidanceScale, guidanceRescale: request.guidanceRescale)
        let final = try noGrad {
            try runDenoisingLoop(scheduler: &scheduler, latents: latents, conditioning: conditioning, noise: &noise,
                                 denoiser: denoiser, control: control)
        }
        return SamplingResult(latents: final, images: try decoder.map { d in try noGrad { try d.images(final) } })
    }
}

/// The given initial noise (checked against `[count] + itemShape`), or a fresh draw from the seeds.
func initialNoise(_ given: Tensor?, noise: inout SeededNoise, itemShape: [Int], field: String = "initialNoise") throws -> Tensor {
    guard let given else { return noise.draw(itemShape) }
    guard given.shape == [noise.count] + itemShape else {
        throw SamplingError(field: field, "shape \(given.shape) differs from \([noise.count] + itemShape)")
    }
    return given
}
