import Foundation
import SafeTensors
import Tensor

/// The components every Stable Diffusion-family folder holds (tokenizer, CLIP text encoder, UNet, VAE, scheduler),
/// loaded, run and written one way, so that `StableDiffusion` and `StableDiffusionUpscale` differ only in what they
/// add on top.
struct PipelineComponents {
    let folder: DiffusersModelFolder
    let tokenizer: CLIPTokenizer
    let textEncoder: CLIPTextModel
    let unet: UNet2DConditionModel
    let vae: AutoencoderKL
    let scheduler: any Scheduler

    /// Loads every component strictly; `kind` overrides the folder's scheduler class (same config values).
    init(folder: DiffusersModelFolder, scheduler kind: SchedulerConfig.Kind?) throws {
        self.folder = folder
        tokenizer = try folder.tokenizer()
        textEncoder = try CLIPTextModel(folder: try folder.folder(of: .textEncoder))
        unet = try UNet2DConditionModel.load(folder: try folder.folder(of: .unet))
        vae = try AutoencoderKL.load(folder: try folder.folder(of: .vae))
        scheduler = try folder.scheduler(as: kind)
    }

    /// Writes a folder that diffusers' `pipelineClass.from_pretrained` loads: each model's config and weights, the
    /// tokenizer and the scheduler folders (`scheduler` and any in `schedulers`) copied as they came, since dbrun
    /// never changes them, and `model_index.json` with `index` added to the shared entries.
    func save(
        folder path: String, pipelineClass: String, schedulers: [DiffusersModelFolder.Component: any Scheduler] = [:],
        index: [String: Any], as dtype: SafeTensorsDType
    ) throws {
        let allSchedulers = schedulers.merging([.scheduler: scheduler]) { $1 }
        var copies: [String: URL] = [:]
        var classes: [String: String] = [:]
        for component in [.tokenizer] + allSchedulers.keys {
            copies[component.rawValue] = URL(fileURLWithPath: folder.path).appendingPathComponent(component.rawValue)
        }
        for (component, scheduler) in allSchedulers { classes[component.rawValue] = scheduler.config.kind.rawValue }
        try PipelineFolderWriter.write(to: path, pipelineClass: pipelineClass, textEncoder: textEncoder, unet: unet,
                                       vae: vae, copying: copies, schedulerClasses: classes, index: index, as: dtype)
    }

    /// The text encoder's last hidden state for each prompt, padded to the tokenizer's length.
    func encode(_ prompts: [String]) throws -> Tensor {
        let ids = prompts.map { tokenizer.encode($0) }
        return try noGrad { try textEncoder(ids).lastHiddenState }
    }

    /// The UNet as the samplers call it.
    var denoiser: Denoiser {
        let unet = self.unet
        return { latents, timestep, context, labels in
            try noGrad { try unet.forward(sample: latents, timesteps: [timestep], encoderHiddenStates: context,
                                          classLabels: labels) }
        }
    }

    /// The VAE's decoder as the samplers call it.
    var decoder: LatentDecoder {
        let vae = self.vae
        return LatentDecoder(scalingFactor: vae.scalingFactor) { latents in try noGrad { try vae.decode(latents) } }
    }
}

extension AutoencoderKLConfig {
    /// How much the VAE shrinks an image per side: 2 per down block after the first (diffusers' pipelines'
    /// `vae_scale_factor`; 8 for Stable Diffusion, 4 for the x4 upscaler, whose factor this is).
    public var scaleFactor: Int { 1 << (blockOutChannels.count - 1) }
}
