import Diffusion
import Foundation
import Imaging
import Pipeline
import Pretraining
import Tensor
import Training

/// `kind: finetune-sr` — the paper's super-resolution fine-tune: the ×4 upscaler trained on (low, high) pairs of
/// the subject's photos with the instance prompt (`SRFinetuneTask`), at a low-resolution noise augmentation level
/// you set (`noise_level`: the paper lowered it for this step, so the upscaler keeps the subject's fine detail instead
/// of inventing its class's). Full fine-tune or LoRA as `finetune-base`; checkpoints into its work folder.
///
/// Outputs: `model`, a diffusers StableDiffusionUpscalePipeline folder (LoRA merged); `logs` (loss curve); with
/// LoRA, `lora` (pytorch_lora_weights.safetensors and lora_kohya.safetensors).
struct FinetuneSRKind: DreamBoothKind {
    let name = "finetune-sr"
    let version = 1
    let pathKeys = ["model", "instance_data_dir"]

    func declareOutputs(of stage: StageSpec, in pipeline: PipelineSpec) throws -> [OutputDeclaration] {
        try FinetuneBaseKind().declareOutputs(of: stage, in: pipeline)
    }

    func run(_ job: StageJob) throws -> [String: PlainValue] {
        let p = StageParameters(job.stage)
        let upscaler = try StageModels.upscaler(try p.path("model", in: job), stage: job.stage)
        let lora = try LoRAOptions(p)
        var generator = RandomGenerator(seed: try seed(job) ^ 0x5A_10BA)
        let weights = try TrainableWeights(unet: upscaler.unet, vae: upscaler.vae, textEncoder: upscaler.textEncoder,
                                           trainTextEncoder: false, lora: lora, generator: &generator)
        upscaler.unet.gradientCheckpointing = try p.bool("gradient_checkpointing", default: false)

        let resolution = try p.int("resolution", default: (upscaler.unet.config.sampleSize ?? 128) * upscaler.vaeScale)
        let cropSize = try p.int("crop_size", default: resolution)
        let factor = upscaler.vaeScale
        guard cropSize <= resolution, cropSize % (factor * 8) == 0, resolution % factor == 0 else {
            throw PipelineError.invalid(at: p.node("crop_size")?.location ?? p.node("resolution")?.location ?? job.stage.location,
                                        "stage '\(job.stage.name)': crop_size (\(cropSize)) must be at most resolution (\(resolution)) "
                                        + "and a multiple of \(factor * 8) (the upscaler's factor × the UNet's ×8 downsampling)")
        }
        let noiseLevel = try p.int("noise_level", default: 20)
        guard (0...upscaler.maxNoiseLevel).contains(noiseLevel) else {
            throw PipelineError.invalid(at: p.node("noise_level")?.location ?? job.stage.location,
                                        "stage '\(job.stage.name)': noise_level \(noiseLevel) is outside 0...\(upscaler.maxNoiseLevel)")
        }
        let photos = try p.path("instance_data_dir", in: job)
        let prompts = try InstancePrompts.read(p, job: job, photos: photos)

        let batchSize = try p.int("train_batch_size", default: 4)
        let plan = try FinetunePlan.read(p, job: job, lora: lora != nil, batchSize: batchSize)
        let task = try SRFinetuneTask(
            upscaler: upscaler,
            photos: try SubjectPhotos.load(photos, stage: job.stage.name, key: "instance_data_dir"),
            prompts: prompts,
            objective: try FinetuneObjective.read(p, job: job, scheduler: upscaler.scheduler.config, folder: upscaler.folder),
            noiseLevel: noiseLevel,
            transform: TrainingTransform(resolution: resolution, centerCrop: try p.bool("center_crop", default: false),
                                         randomFlip: try p.bool("random_flip", default: false)),
            cropSize: cropSize, batchSize: batchSize, dataSeed: plan.seed &+ 1, trainable: weights.parameters)
        let dtype = try p.saveType()
        try TrainingStage.run(task, plan: plan, job: job) { _ in
            try weights.finish(loraFolder: job.outputURL("lora"), as: dtype)
            try upscaler.save(folder: job.outputURL("model").path, as: dtype)
        }
        return [:]
    }
}
