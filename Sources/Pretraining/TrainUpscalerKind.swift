import Diffusion
import Foundation
import Imaging
import Pipeline
import Tensor
import ToyWorld
import Training

/// The ×4 upscaler's objective, as Imagen's and SD's super-resolution models are trained: random high-resolution
/// crops, their box-downsampled copies (by the VAE's factor, 4 for the world's) (the renderer's own antialiasing at the base resolution) noised to a
/// random level that is also the class label, and v-prediction on the crops' latents.
final class UpscalerTask: TrainingTask {
    let unet: UNet2DConditionModel
    let vae: AutoencoderKL
    let text: FrozenTextEncoder
    let objective: DenoisingObjective
    let conditioning: UpscalerConditioning
    let dropout: CaptionDropout
    let batches: WorldBatches
    /// The side of a high-resolution crop, and of the render it is cut from.
    let cropSize: Int, renderSize: Int
    /// The upscaling factor: the VAE's, as the pipeline upscales by it.
    let factor: Int

    init(unet: UNet2DConditionModel, vae: AutoencoderKL, text: FrozenTextEncoder, objective: DenoisingObjective,
         conditioning: UpscalerConditioning, dropout: CaptionDropout, batches: WorldBatches, cropSize: Int, renderSize: Int) {
        self.unet = unet
        self.vae = vae
        self.text = text
        self.objective = objective
        self.conditioning = conditioning
        self.dropout = dropout
        self.batches = batches
        self.cropSize = cropSize
        self.renderSize = renderSize
        factor = vae.config.scaleFactor
        vae.setRequiresGrad(false)
    }

    var trainableParameters: [(name: String, tensor: Tensor)] { unet.trainableParameters() }
    var examplesPerBatch: Int { batches.batchSize }

    func batch(_ index: Int) throws -> (high: Tensor, low: Tensor, captions: [String]) {
        let examples = batches.examples(index)
        let renders = ToyWorld.renderImages(examples.map(\.scene), size: renderSize)
        var highs: [Image] = [], lows: [Image] = []
        for (n, image) in renders.enumerated() {
            // Offsets on the low-resolution grid, so the low crop is exactly the high crop's downsampled copy.
            var rng = SplitMix64(seed: WorldBatches.mix(batches.sampler.seed ^ 0x5AFE, index * 1000 + n))
            let cells = (renderSize - cropSize) / factor + 1
            let x = Int(rng.next() % UInt64(cells)) * factor, y = Int(rng.next() % UInt64(cells)) * factor
            let high = image.cropped(x: x, y: y, width: cropSize, height: cropSize)
            highs.append(high)
            lows.append(high.downsampled(by: factor, filter: .box))
        }
        return (Tensor(images: highs, range: .signed), Tensor(images: lows, range: .signed), examples.map(\.caption))
    }

    /// Draw order: the latent sample, caption dropout, the low-res levels and noise, then timesteps and noise.
    func loss(_ batch: (high: Tensor, low: Tensor, captions: [String]), random: inout RandomGenerator) throws -> Tensor {
        let latents = try noGrad {
            let (mean, logvar) = try vae.encode(batch.high)
            return vae.sample(mean: mean, logvar: logvar, generator: &random) * vae.scalingFactor
        }
        let context = try text.encode(dropout.apply(batch.captions, random: &random))
        let (low, levels) = conditioning.draw(lowRes: batch.low, random: &random)
        let draw = objective.draw(clean: latents, random: &random)
        let predicted = try unet.forward(sample: Tensor.concat([draw.noisy, low], axis: 1),
                                         timesteps: draw.timesteps.map(Float.init), encoderHiddenStates: context,
                                         classLabels: levels)
        return objective.loss(predicted, draw)
    }
}

/// `kind: train-upscaler` — the ×4 upscaler in the shape of diffusers' StableDiffusionUpscalePipeline (the low-res
/// image concatenated with the latents, its noise level as class label, its own low-res scheduler), trained from
/// scratch on crops over the frozen world VAE and text encoder. Publishes that pipeline's folder.
struct TrainUpscalerKind: WorldTrainingKind {
    let name = "train-upscaler"
    let version = 2
    let pathKeys: [String] = []
    let defaults = TrainingPlan(steps: 4000, learningRate: 5e-4, schedule: .cosine, warmupSteps: 200,
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
        let maxNoiseLevel = try p.int("max_noise_level", default: 350)
        let maxTrainNoiseLevel = try p.int("max_train_noise_level", default: maxNoiseLevel)
        guard maxTrainNoiseLevel <= maxNoiseLevel else {
            throw PipelineError.invalid(at: p.node("max_train_noise_level")?.location ?? job.stage.location,
                                        "stage '\(job.stage.name)': max_train_noise_level (\(maxTrainNoiseLevel)) is above max_noise_level (\(maxNoiseLevel))")
        }
        guard (config.numClassEmbeds ?? 0) > maxNoiseLevel, config.inChannels == vae.config.latentChannels + 3 else {
            throw PipelineError.invalid(at: p.node("config")?.location ?? job.stage.location,
                                        "stage '\(job.stage.name)': the upscaler's UNet needs in_channels = \(vae.config.latentChannels + 3) "
                                        + "and num_class_embeds > max_noise_level (\(maxNoiseLevel))")
        }
        let schedule = try WorldSchedulers.training(prediction: p.string("prediction_type", default: "v_prediction"),
                                                    stage: job.stage, upscaler: true)
        let task = UpscalerTask(
            unet: unet, vae: vae, text: text,
            objective: DenoisingObjective(schedule: schedule.noise, prediction: schedule.prediction,
                                          snrGamma: try p.optionalDouble("snr_gamma").map(Float.init)),
            conditioning: UpscalerConditioning(lowResSchedule: try WorldSchedulers.schedule(WorldSchedulers.lowResScheduler),
                                               maxNoiseLevel: maxTrainNoiseLevel),
            dropout: CaptionDropout(probability: try p.float("proportion_empty_prompts", default: 0.1)),
            batches: WorldBatches(seed: plan.seed &+ 1, batchSize: try p.int("train_batch_size", default: 16)),
            cropSize: try p.int("crop_size", default: 128), renderSize: try p.int("resolution", default: 256))
        try TrainingStage.run(task, plan: plan, job: job) { task in
            let files = try WorldSchedulers.write(["scheduler": schedule.sampling, "low_res_scheduler": WorldSchedulers.lowResScheduler],
                                                  tokenizer: clipFolder, in: job.scratch.appendingPathComponent("components"))
            try PipelineFolderWriter.write(to: job.outputURL("model").path, pipelineClass: "StableDiffusionUpscalePipeline",
                                           textEncoder: task.text.model, unet: task.unet, vae: task.vae, copying: files,
                                           schedulerClasses: ["scheduler": "DDIMScheduler", "low_res_scheduler": "DDPMScheduler"],
                                           index: ["max_noise_level": maxNoiseLevel], as: dtype)
        }
        return [:]
    }
}
