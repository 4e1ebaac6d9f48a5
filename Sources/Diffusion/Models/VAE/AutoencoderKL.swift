import SafeTensors
import Tensor

/// diffusers' `AutoencoderKL` (Stable Diffusion's VAE): images to a diagonal Gaussian over latents and latents
/// back to images. Callers multiply encoded latents by `scalingFactor` before the UNet and divide before decoding,
/// as diffusers' pipelines do.
public final class AutoencoderKL: Module {
    public let config: AutoencoderKLConfig
    public let encoder: VAEEncoder
    public let decoder: VAEDecoder
    public let quantConv: Conv2d, postQuantConv: Conv2d
    /// Recompute each resnet and attention during backward (for training through the decoder).
    public var gradientCheckpointing = false
    /// Keys of the loaded config.json that neither dbrun nor diffusers knows (diffusers warns about them too).
    public internal(set) var ignoredConfigKeys: [String] = []

    /// Builds the model with PyTorch-style random weights from `generator`; throws for an unsupported config.
    public init(config: AutoencoderKLConfig, generator: inout RandomGenerator) throws {
        try config.validate()
        self.config = config
        encoder = VAEEncoder(config: config, generator: &generator)
        decoder = VAEDecoder(config: config, generator: &generator)
        let latent = config.latentChannels
        quantConv = Conv2d(2 * latent, 2 * latent, kernelSize: 1, generator: &generator)
        postQuantConv = Conv2d(latent, latent, kernelSize: 1, generator: &generator)
    }

    /// Builds the model with seed-0 random weights (to be replaced by `load`).
    public convenience init(config: AutoencoderKLConfig) throws {
        var generator = RandomGenerator(seed: 0)
        try self.init(config: config, generator: &generator)
    }

    /// The latent multiplier (`scaling_factor`).
    public var scalingFactor: Float { Float(config.scalingFactor) }

    /// Image `[N, in_channels, H, W]` (values in [-1, 1]) → latent distribution, each `[N, latent, H/f, W/f]`, with
    /// the log-variance clamped to [-30, 20] as diffusers' `DiagonalGaussianDistribution` does.
    public func encode(_ image: Tensor) throws -> (mean: Tensor, logvar: Tensor) {
        let factor = 1 << (config.blockOutChannels.count - 1)
        guard image.rank == 4, image.shape[1] == config.inChannels,
              image.shape[2] % factor == 0, image.shape[3] % factor == 0 else {
            throw DiffusionModelError("vae encoder: sample has shape \(image.shape); expected [N, \(config.inChannels), H, W] "
                + "with H and W divisible by \(factor)")
        }
        let moments = quantConv(encoder(image, checkpointing: gradientCheckpointing)).chunk(2, axis: 1)
        return (moments[0], moments[1].clamp(min: -30, max: 20))
    }

    /// A sample `mean + exp(logvar / 2)·ε` with ε drawn from `generator` (diffusers' `latent_dist.sample()`).
    public func sample(mean: Tensor, logvar: Tensor, generator: inout RandomGenerator) -> Tensor {
        mean + (logvar * 0.5).exp() * Tensor.randn(mean.shape, generator: &generator)
    }

    /// Latent `[N, latent, h, w]` (already divided by `scalingFactor`) → image `[N, out_channels, h·f, w·f]`.
    public func decode(_ latent: Tensor) throws -> Tensor {
        guard latent.rank == 4, latent.shape[1] == config.latentChannels else {
            throw DiffusionModelError("vae decoder: latent has shape \(latent.shape); expected [N, \(config.latentChannels), h, w]")
        }
        return decoder(postQuantConv(latent), checkpointing: gradientCheckpointing)
    }

    public func visitParameters(_ v: inout ParameterVisitor) {
        v.child("encoder", encoder)
        v.child("decoder", decoder)
        v.child("quant_conv", quantConv)
        v.child("post_quant_conv", postQuantConv)
    }
}

extension AutoencoderKL {
    /// Loads a diffusers `vae/` folder (config.json + diffusion_pytorch_model.safetensors), strictly.
    public static func load(folder: String) throws -> AutoencoderKL {
        let loaded = try AutoencoderKLConfig.load(path: DiffusersFolder.configPath(folder))
        let model = try AutoencoderKL(config: loaded.config)
        model.ignoredConfigKeys = loaded.ignoredKeys
        try DiffusersFolder.loadWeights(model, folder: folder)
        return model
    }

    /// Writes the folder so that diffusers' `AutoencoderKL.from_pretrained(folder)` loads it.
    public func save(folder: String, as dtype: SafeTensorsDType = .float32) throws {
        try DiffusersFolder.save(self, config: config, className: "AutoencoderKL", folder: folder, dtype: dtype)
    }
}
