import Tensor

/// What to upscale: low-resolution images, prompts, seeds, and how much noise to put on the images.
public struct UpscaleRequest: Sendable {
    /// N×3×h×w images in [-1, 1] (one per seed), or 1×3×h×w for every seed.
    public var images: Tensor
    public var prompts: [String]
    public var negativePrompts: [String]?
    /// One per output image; each draws its low-res noise first, then its latents, from its own stream.
    public var seeds: [UInt64]
    public var steps: Int
    public var guidanceScale: Float
    /// The training timestep the low-res image is noised to and the UNet's class label (diffusers' default 20).
    public var noiseLevel: Int
    /// Instead of drawing from the seeds: the N×C×h×w initial latent noise (scaled by `initNoiseSigma`) and the
    /// N×3×h×w noise put on the low-res images (diffusers' `latents` argument, and its first `randn_tensor`).
    public var initialNoise: Tensor?
    public var lowResNoise: Tensor?

    public init(
        images: Tensor, prompts: [String], negativePrompts: [String]? = nil, seeds: [UInt64], steps: Int = 75,
        guidanceScale: Float = 9, noiseLevel: Int = 20
    ) {
        self.images = images
        self.prompts = prompts
        self.negativePrompts = negativePrompts
        self.seeds = seeds
        self.steps = steps
        self.guidanceScale = guidanceScale
        self.noiseLevel = noiseLevel
    }
}

/// The Stable Diffusion x4 upscaler's sampling, as diffusers' `StableDiffusionUpscalePipeline.__call__`: the
/// low-res image is noised by its own DDPM scheduler to `noiseLevel`, concatenated to the latents along channels
/// at every step, and the noise level is passed as the UNet's class label (for both guidance halves).
public struct Upscale {
    public var scheduler: any Scheduler
    /// The pipeline's `low_res_scheduler` (a DDPM config of its own).
    public var lowResScheduler: DDPMScheduler
    public var denoiser: Denoiser
    public var encodePrompts: ([String]) throws -> Tensor
    public var decoder: LatentDecoder?
    /// The VAE's latent channels (4); the UNet's `in_channels` is this plus the image's 3.
    public var latentChannels: Int
    /// The pipeline's `max_noise_level` (350).
    public var maxNoiseLevel: Int

    public init(
        scheduler: any Scheduler, lowResScheduler: DDPMScheduler, denoiser: @escaping Denoiser,
        encodePrompts: @escaping ([String]) throws -> Tensor, decoder: LatentDecoder? = nil, latentChannels: Int = 4,
        maxNoiseLevel: Int = 350
    ) {
        self.scheduler = scheduler
        self.lowResScheduler = lowResScheduler
        self.denoiser = denoiser
        self.encodePrompts = encodePrompts
        self.decoder = decoder
        self.latentChannels = latentChannels
        self.maxNoiseLevel = maxNoiseLevel
    }

    public func upscale(_ request: UpscaleRequest, control: SamplingControl = SamplingControl()) throws -> SamplingResult {
        let count = request.seeds.count
        guard count > 0 else { throw SamplingError(field: "seeds", "give one seed per image") }
        let images = request.images
        guard images.rank == 4, images.shape[0] == 1 || images.shape[0] == count else {
            throw SamplingError(field: "images", "shape \(images.shape) is not 1×C×h×w or \(count)×C×h×w (one per seed)")
        }
        guard (0...maxNoiseLevel).contains(request.noiseLevel) else {
            throw SamplingError(field: "noiseLevel", "\(request.noiseLevel) is outside 0...\(maxNoiseLevel) (max_noise_level)")
        }
        let guided = request.guidanceScale > 1
        let (context, unconditional) = try Diffusion.encodePrompts(
            request.prompts, negative: request.negativePrompts, count: count, guided: guided, encode: encodePrompts)

        var scheduler = self.scheduler
        try scheduler.setTimesteps(request.steps)
        var noise = SeededNoise(seeds: request.seeds)
        let batch = images.shape[0] == count ? images : Tensor.concat(Array(repeating: images, count: count), axis: 0)
        let (h, w) = (images.shape[2], images.shape[3])
        let imageNoise = try initialNoise(request.lowResNoise, noise: &noise, itemShape: Array(images.shape.dropFirst()),
                                          field: "lowResNoise")
        let noised = try lowResScheduler.addNoise(batch, noise: imageNoise, timesteps: [request.noiseLevel])
        let latents = try initialNoise(request.initialNoise, noise: &noise, itemShape: [latentChannels, h, w])
            * scheduler.initNoiseSigma
        let conditioning = Conditioning(
            context: context, unconditionalContext: unconditional, guidanceScale: request.guidanceScale,
            guidanceRescale: 0, extraChannels: noised, classLabels: Array(repeating: request.noiseLevel, count: count))
        let final = try noGrad {
            try runDenoisingLoop(scheduler: &scheduler, latents: latents, conditioning: conditioning, noise: &noise,
                                 denoiser: denoiser, control: control)
        }
        return SamplingResult(latents: final, images: try decoder.map { d in try noGrad { try d.images(final) } })
    }
}
