import Foundation
import SafeTensors
import Tensor

/// A Stable Diffusion model folder (diffusers layout) put together for sampling: tokenizer and CLIP text encoder,
/// UNet, VAE and scheduler, wired into `TextToImage`. What `dbrun generate` and the sampling stages use.
public final class StableDiffusion {
    public let folder: DiffusersModelFolder
    public let tokenizer: CLIPTokenizer
    public let textEncoder: CLIPTextModel
    public let unet: UNet2DConditionModel
    public let vae: AutoencoderKL
    public let scheduler: any Scheduler

    /// Loads every component strictly; `scheduler` overrides the folder's scheduler class (same config values).
    public init(folder path: String, scheduler kind: SchedulerConfig.Kind? = nil) throws {
        folder = try DiffusersModelFolder(path: path)
        tokenizer = try folder.tokenizer()
        textEncoder = try CLIPTextModel(folder: try folder.folder(of: .textEncoder))
        unet = try UNet2DConditionModel.load(folder: try folder.folder(of: .unet))
        vae = try AutoencoderKL.load(folder: try folder.folder(of: .vae))
        scheduler = try folder.scheduler(as: kind)
    }

    /// Writes the model as a diffusers folder that `StableDiffusionPipeline.from_pretrained` loads: each component's
    /// config and weights, the tokenizer and scheduler files as they came, and `model_index.json`.
    public func save(folder path: String, as dtype: SafeTensorsDType = .float32) throws {
        let root = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try textEncoder.save(folder: root.appendingPathComponent("text_encoder").path, as: dtype)
        try unet.save(folder: root.appendingPathComponent("unet").path, as: dtype)
        try vae.save(folder: root.appendingPathComponent("vae").path, as: dtype)
        for component in ["tokenizer", "scheduler"] {
            let source = URL(fileURLWithPath: folder.path).appendingPathComponent(component)
            let target = root.appendingPathComponent(component)
            try? FileManager.default.removeItem(at: target)
            try FileManager.default.copyItem(at: source, to: target)
        }
        let index: [String: Any] = [
            "_class_name": "StableDiffusionPipeline",
            "_diffusers_version": DiffusersFolder.diffusersVersion,
            "text_encoder": ["transformers", "CLIPTextModel"],
            "tokenizer": ["transformers", "CLIPTokenizer"],
            "unet": ["diffusers", "UNet2DConditionModel"],
            "vae": ["diffusers", "AutoencoderKL"],
            "scheduler": ["diffusers", scheduler.config.kind.rawValue],
            "safety_checker": [NSNull(), NSNull()],
            "feature_extractor": [NSNull(), NSNull()],
            "requires_safety_checker": false,
        ]
        let data = try JSONSerialization.data(withJSONObject: index, options: [.prettyPrinted, .sortedKeys])
        try data.write(to: root.appendingPathComponent("model_index.json"))
    }

    /// How much the VAE shrinks an image per side (2 per down block after the first).
    public var vaeScale: Int { 1 << (vae.config.blockOutChannels.count - 1) }

    /// The image side the UNet was trained at (`sample_size` latents × the VAE's scale).
    public var defaultImageSize: Int { (unet.config.sampleSize ?? 64) * vaeScale }

    /// The text encoder's last hidden state for each prompt, padded to the tokenizer's length.
    public func encode(_ prompts: [String]) throws -> Tensor {
        let ids = prompts.map { tokenizer.encode($0) }
        return try noGrad { try textEncoder(ids).lastHiddenState }
    }

    /// The sampler over these models.
    public var textToImage: TextToImage {
        let unet = self.unet, vae = self.vae
        return TextToImage(
            scheduler: scheduler,
            denoiser: { latents, timestep, context, labels in
                try noGrad { try unet.forward(sample: latents, timesteps: [timestep], encoderHiddenStates: context,
                                              classLabels: labels) }
            },
            encodePrompts: { [unowned self] in try self.encode($0) },
            decoder: LatentDecoder(scalingFactor: vae.scalingFactor) { latents in try noGrad { try vae.decode(latents) } },
            latentChannels: unet.config.inChannels)
    }
}
