import Diffusion
import Foundation
import Pipeline
import Tensor
import ToyWorld
import Training

/// The base model's objective: ε- (or v-) prediction on the VAE latents of 64×64 renders, conditioned on the frozen
/// text encoder's states of their captions, a share of them dropped to "" so classifier-free guidance works.
final class DenoiserTask: TrainingTask {
    let unet: UNet2DConditionModel
    let vae: AutoencoderKL
    let text: FrozenTextEncoder
    let objective: DenoisingObjective
    let dropout: CaptionDropout
    let batches: WorldBatches
    let imageSize: Int

    init(unet: UNet2DConditionModel, vae: AutoencoderKL, text: FrozenTextEncoder, objective: DenoisingObjective,
         dropout: CaptionDropout, batches: WorldBatches, imageSize: Int) {
        self.unet = unet
        self.vae = vae
        self.text = text
        self.objective = objective
        self.dropout = dropout
        self.batches = batches
        self.imageSize = imageSize
        vae.setRequiresGrad(false)
    }

    var trainableParameters: [(name: String, tensor: Tensor)] { unet.trainableParameters() }
    var examplesPerBatch: Int { batches.batchSize }

    func batch(_ index: Int) throws -> (pixels: Tensor, captions: [String]) {
        let examples = batches.examples(index)
        return (WorldBatches.pixels(examples.map(\.scene), size: imageSize), examples.map(\.caption))
    }

    /// Draw order: the latent sample, caption dropout, then the objective's timesteps and noise.
    func loss(_ batch: (pixels: Tensor, captions: [String]), random: inout RandomGenerator) throws -> Tensor {
        let latents = try noGrad {
            let (mean, logvar) = try vae.encode(batch.pixels)
            return vae.sample(mean: mean, logvar: logvar, generator: &random) * vae.scalingFactor
        }
        let context = try text.encode(dropout.apply(batch.captions, random: &random))
        let draw = objective.draw(clean: latents, random: &random)
        let predicted = try unet.forward(sample: draw.noisy, timesteps: draw.timesteps.map(Float.init),
                                         encoderHiddenStates: context)
        return objective.loss(predicted, draw)
    }
}

/// `kind: train-base` — the tiny Stable Diffusion's UNet2DConditionModel trained from scratch on the world, over a
/// frozen VAE and text encoder. Publishes a diffusers StableDiffusionPipeline folder.
struct TrainBaseKind: WorldTrainingKind {
    let name = "train-base"
    let version = 1
    let pathKeys: [String] = []
    let defaults = TrainingPlan(steps: 6000, learningRate: 5e-4, schedule: .cosine, warmupSteps: 200,
                                weightDecay: 1e-2, maxGradNorm: 1, ema: .init(decay: 0.999), checkpointEvery: 250)

    func run(_ job: StageJob) throws -> [String: PlainValue] {
        let p = StageParameters(job.stage)
        let plan = try plan(job)
        let dtype = try saveType(job)
        let clipFolder = try p.path("text_encoder", in: job)
        let vae = try AutoencoderKL.load(folder: try p.path("vae", in: job).path)
        let text = try FrozenTextEncoder(clipFolder: clipFolder.path)
        let config = try p.config("config", as: UNet2DConditionConfig.self)
        var generator = RandomGenerator(seed: plan.seed)
        let unet = try UNet2DConditionModel(config: config, generator: &generator)
        unet.gradientCheckpointing = try p.bool("gradient_checkpointing", default: false)
        let schedule = try WorldSchedulers.training(prediction: p.string("prediction_type", default: "epsilon"), stage: job.stage)
        let task = DenoiserTask(
            unet: unet, vae: vae, text: text,
            objective: DenoisingObjective(schedule: schedule.noise, prediction: schedule.prediction,
                                          offsetNoise: try p.float("noise_offset", default: 0),
                                          snrGamma: try p.optionalDouble("snr_gamma").map(Float.init)),
            dropout: CaptionDropout(probability: try p.float("proportion_empty_prompts", default: 0.1)),
            batches: WorldBatches(seed: plan.seed &+ 1, batchSize: try p.int("train_batch_size", default: 32)),
            imageSize: try p.int("resolution", default: 64))
        try TrainingStage.run(task, plan: plan, job: job) { task in
            let folder = job.outputURL("model")
            let files = try WorldSchedulers.write(["scheduler": schedule.sampling], tokenizer: clipFolder,
                                                  in: job.scratch.appendingPathComponent("components"))
            try PipelineFolderWriter.write(to: folder.path, pipelineClass: "StableDiffusionPipeline",
                                           textEncoder: task.text.model, unet: task.unet, vae: task.vae,
                                           copying: files, schedulerClasses: ["scheduler": "DDIMScheduler"],
                                           index: ["safety_checker": [NSNull(), NSNull()],
                                                   "feature_extractor": [NSNull(), NSNull()],
                                                   "requires_safety_checker": false], as: dtype)
        }
        return [:]
    }
}
