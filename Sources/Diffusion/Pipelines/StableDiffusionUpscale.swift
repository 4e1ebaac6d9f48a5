import Foundation
import SafeTensors
import Tensor

/// A diffusers `StableDiffusionUpscalePipeline` folder (the SD x4 upscaler's layout) put together for sampling:
/// the components `StableDiffusion` has, plus `low_res_scheduler/` and `max_noise_level`, wired into `Upscale`.
///
/// The image grows by the VAE's scale factor, as in diffusers: the latents are the low-res image's size and the
/// VAE decodes them to `vaeScale` times that (×4 for the real upscaler, whose VAE has three blocks).
public final class StableDiffusionUpscale {
    /// model_index.json's `_class_name` for this layout.
    public static let pipelineClass = "StableDiffusionUpscalePipeline"
    /// diffusers' `StableDiffusionUpscalePipeline.__init__` default, used when the index has no `max_noise_level`.
    public static let defaultMaxNoiseLevel = 350
    /// diffusers' `StableDiffusionUpscalePipeline.__init__` resets any other VAE `scaling_factor` to this.
    public static let vaeScalingFactor = 0.08333

    let parts: PipelineComponents
    public var folder: DiffusersModelFolder { parts.folder }
    public var tokenizer: CLIPTokenizer { parts.tokenizer }
    public var textEncoder: CLIPTextModel { parts.textEncoder }
    public var unet: UNet2DConditionModel { parts.unet }
    public var vae: AutoencoderKL { parts.vae }
    public var scheduler: any Scheduler { parts.scheduler }
    /// Noises the low-res image to the requested noise level (a DDPM config of its own).
    public let lowResScheduler: DDPMScheduler
    /// The largest noise level (UNet class label) the model accepts.
    public let maxNoiseLevel: Int

    /// Loads every component strictly and checks they fit together: the UNet takes the latents plus the image's 3
    /// channels, embeds every noise level up to `max_noise_level` as a class, and the VAE's `scaling_factor` is the
    /// one diffusers would run it with. `scheduler` overrides the main scheduler's class (same config values).
    public init(folder path: String, scheduler kind: SchedulerConfig.Kind? = nil) throws {
        let folder = try DiffusersModelFolder(path: path)
        let index = (path as NSString).appendingPathComponent("model_index.json")
        guard folder.pipelineClass == Self.pipelineClass else {
            throw ConfigError(path: index, field: "_class_name", "_class_name = \(folder.pipelineClass ?? "(none)"): "
                + "an upscaler folder's model_index.json names \(Self.pipelineClass)")
        }
        maxNoiseLevel = folder.maxNoiseLevel ?? Self.defaultMaxNoiseLevel
        guard maxNoiseLevel >= 0 else {
            throw ConfigError(path: index, field: "max_noise_level", "max_noise_level = \(maxNoiseLevel): must not be negative")
        }
        let lowResPath = try folder.configPath(of: .lowResScheduler)
        guard let lowRes = try folder.scheduler(.lowResScheduler) as? DDPMScheduler else {
            throw ConfigError(path: lowResPath, field: "_class_name", "the low_res_scheduler must be a DDPMScheduler")
        }
        lowResScheduler = lowRes
        parts = try PipelineComponents(folder: folder, scheduler: kind)
        try Self.check(parts, maxNoiseLevel: maxNoiseLevel)
    }

    private static func check(_ parts: PipelineComponents, maxNoiseLevel: Int) throws {
        let unet = parts.unet.config, vae = parts.vae.config
        let unetConfig = try parts.folder.configPath(of: .unet), vaeConfig = try parts.folder.configPath(of: .vae)
        guard unet.inChannels == vae.latentChannels + 3 else {
            throw ConfigError(path: unetConfig, field: "in_channels", "in_channels = \(unet.inChannels): the upscaler's "
                + "UNet takes the VAE's \(vae.latentChannels) latent channels plus the image's 3")
        }
        guard let classes = unet.numClassEmbeds, classes > maxNoiseLevel else {
            throw ConfigError(path: unetConfig, field: "num_class_embeds", "num_class_embeds = "
                + "\(unet.numClassEmbeds.map(String.init) ?? "null"): the noise level (up to max_noise_level = "
                + "\(maxNoiseLevel)) is the UNet's class label, so it needs more than \(maxNoiseLevel) classes")
        }
        guard vae.scalingFactor == vaeScalingFactor else {
            throw ConfigError(path: vaeConfig, field: "scaling_factor", "scaling_factor = \(vae.scalingFactor): "
                + "diffusers runs the upscaler's VAE with \(vaeScalingFactor) whatever the config says; write that")
        }
    }

    /// Writes the model as a diffusers folder that `StableDiffusionUpscalePipeline.from_pretrained` loads.
    public func save(folder path: String, as dtype: SafeTensorsDType = .float32) throws {
        try parts.save(folder: path, pipelineClass: Self.pipelineClass, schedulers: [.lowResScheduler: lowResScheduler],
                       index: ["max_noise_level": maxNoiseLevel], as: dtype)
    }

    /// The upscaling factor: how much the VAE's decoder grows the latents (diffusers' `vae_scale_factor`).
    public var vaeScale: Int { vae.config.scaleFactor }

    /// The text encoder's last hidden state for each prompt, padded to the tokenizer's length.
    public func encode(_ prompts: [String]) throws -> Tensor { try parts.encode(prompts) }

    /// The sampler over these models.
    public var upscaler: Upscale {
        let parts = self.parts
        return Upscale(scheduler: scheduler, lowResScheduler: lowResScheduler, denoiser: parts.denoiser,
                       encodePrompts: { try parts.encode($0) }, decoder: parts.decoder,
                       latentChannels: vae.config.latentChannels, maxNoiseLevel: maxNoiseLevel)
    }
}
