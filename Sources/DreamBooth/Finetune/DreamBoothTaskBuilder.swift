import Diffusion
import Foundation
import Imaging
import Pipeline
import Pretraining
import Tensor

/// Reads what `DreamBoothTask` trains on from a stage's `with:`: the instance photos and prompt, the class images
/// and prompt (prior preservation), the resize and crop of diffusers' scripts, and the denoising objective of the
/// model's own scheduler config (its prediction type), with `offset_noise` and `snr_gamma`.
struct DreamBoothTaskBuilder {
    let p: StageParameters
    let job: StageJob
    let model: StableDiffusion

    init(_ p: StageParameters, job: StageJob, model: StableDiffusion) {
        self.p = p
        self.job = job
        self.model = model
    }

    func task(batchSize: Int, dataSeed: UInt64, trainTextEncoder: Bool,
              trainable: [(name: String, tensor: Tensor)]) throws -> DreamBoothTask {
        let stage = job.stage
        let instanceFolder = try p.path("instance_data_dir", in: job)
        let instance = DreamBoothTask.Examples(
            images: try SubjectPhotos.load(instanceFolder, stage: stage.name, key: "instance_data_dir"),
            prompts: try InstancePrompts.read(p, job: job, photos: instanceFolder))
        let withPrior = try p.bool("with_prior_preservation", default: p.node("class_data_dir") != nil)
        var prior: DreamBoothTask.Examples?
        if withPrior {
            guard p.node("class_data_dir") != nil, p.node("class_prompt") != nil else {
                throw PipelineError.invalid(at: p.node("with_prior_preservation")?.location ?? stage.location,
                                            "stage '\(stage.name)': prior preservation needs class_data_dir and class_prompt")
            }
            prior = DreamBoothTask.Examples(
                images: try SubjectPhotos.load(try p.path("class_data_dir", in: job), stage: stage.name, key: "class_data_dir"),
                prompt: job.render(try required("class_prompt")))
        }
        let resolution = try p.int("resolution", default: model.defaultImageSize)
        let transform = TrainingTransform(resolution: resolution, centerCrop: try p.bool("center_crop", default: false),
                                          randomFlip: try p.bool("random_flip", default: false))
        return DreamBoothTask(unet: model.unet, vae: model.vae, textEncoder: model.textEncoder, tokenizer: model.tokenizer,
                              instance: instance, prior: prior, priorLossWeight: try p.float("prior_loss_weight", default: 1),
                              objective: try objective(), transform: transform, batchSize: batchSize, dataSeed: dataSeed,
                              trainTextEncoder: trainTextEncoder, trainable: trainable)
    }

    func objective() throws -> DenoisingObjective {
        try FinetuneObjective.read(p, job: job, scheduler: model.scheduler.config, folder: model.folder)
    }

    func required(_ key: String) throws -> SpecNode {
        guard let node = p.node(key) else {
            throw PipelineError.invalid(at: job.stage.location, "stage '\(job.stage.name)' needs '\(key)'")
        }
        return node
    }
}
