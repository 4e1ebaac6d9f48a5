import Foundation
import SafeTensors
import Tensor

/// A Stable Diffusion model folder (diffusers layout) put together for sampling: tokenizer and CLIP text encoder,
/// UNet, VAE and scheduler, wired into `TextToImage`. What `dbrun generate` and the sampling stages use.
public final class StableDiffusion {
    let parts: PipelineComponents
    public var folder: DiffusersModelFolder { parts.folder }
    public var tokenizer: CLIPTokenizer { parts.tokenizer }
    public var textEncoder: CLIPTextModel { parts.textEncoder }
    public var unet: UNet2DConditionModel { parts.unet }
    public var vae: AutoencoderKL { parts.vae }
    public var scheduler: any Scheduler { parts.scheduler }

    /// Loads every component strictly; `scheduler` overrides the folder's scheduler class (same config values).
    /// An upscaler folder is refused here: its UNet takes the low-res image as extra channels.
    public init(folder path: String, scheduler kind: SchedulerConfig.Kind? = nil) throws {
        let folder = try DiffusersModelFolder(path: path)
        if folder.pipelineClass == StableDiffusionUpscale.pipelineClass {
            throw ConfigError(path: (path as NSString).appendingPathComponent("model_index.json"), field: "_class_name",
                              "_class_name = \(StableDiffusionUpscale.pipelineClass): an upscaler, not a text-to-image model (dbrun generate takes it as --upscaler)")
        }
        parts = try PipelineComponents(folder: folder, scheduler: kind)
    }

    /// Writes the model as a diffusers folder that `StableDiffusionPipeline.from_pretrained` loads: each component's
    /// config and weights, the tokenizer and scheduler files as they came, and `model_index.json`.
    public func save(folder path: String, as dtype: SafeTensorsDType = .float32) throws {
        try parts.save(folder: path, pipelineClass: "StableDiffusionPipeline", index: [
            "safety_checker": [NSNull(), NSNull()],
            "feature_extractor": [NSNull(), NSNull()],
            "requires_safety_checker": false,
        ], as: dtype)
    }

    /// How much the VAE shrinks an image per side (2 per down block after the first).
    public var vaeScale: Int { vae.config.scaleFactor }

    /// The image side the UNet was trained at (`sample_size` latents × the VAE's scale).
    public var defaultImageSize: Int { (unet.config.sampleSize ?? 64) * vaeScale }

    /// The text encoder's last hidden state for each prompt, padded to the tokenizer's length.
    public func encode(_ prompts: [String]) throws -> Tensor { try parts.encode(prompts) }

    /// The sampler over these models.
    public var textToImage: TextToImage {
        let parts = self.parts
        return TextToImage(scheduler: scheduler, denoiser: parts.denoiser, encodePrompts: { try parts.encode($0) },
                           decoder: parts.decoder, latentChannels: unet.config.inChannels)
    }
}
