import Diffusion
import Foundation
import Imaging
import Pipeline
import Tensor
import ToyWorld
import Training

/// The autoencoder's objective: reconstruct 64×64 crops of renders (mostly of 256×256 ones, whose fine details the
/// super-resolution stage needs, some of 64×64 ones, what the base model makes) through a sampled latent, with a
/// small KL term that keeps the latent space smooth.
final class AutoencoderTask: TrainingTask {
    let vae: AutoencoderKL
    let batches: WorldBatches
    let cropSize: Int
    /// One example in this many is a whole render at the crop size.
    let wholeEvery: Int
    let klWeight: Float

    init(vae: AutoencoderKL, batches: WorldBatches, cropSize: Int, wholeEvery: Int = 4, klWeight: Float) {
        self.vae = vae
        self.batches = batches
        self.cropSize = cropSize
        self.wholeEvery = wholeEvery
        self.klWeight = klWeight
    }

    var trainableParameters: [(name: String, tensor: Tensor)] { vae.trainableParameters() }
    var examplesPerBatch: Int { batches.batchSize }

    func batch(_ index: Int) throws -> Tensor {
        let examples = batches.examples(index)
        // About one in `wholeEvery` examples (by a hash of seed and position) is drawn whole at the crop size itself;
        // the rest 4× larger and cropped.
        let whole = examples.indices.filter { WorldBatches.mix(batches.sampler.seed, index * 1000 + $0) % UInt64(wholeEvery) == 0 }
        let large = examples.indices.filter { !whole.contains($0) }
        var crops = [Image?](repeating: nil, count: examples.count)
        for (n, image) in zip(whole, ToyWorld.renderImages(whole.map { examples[$0].scene }, size: cropSize)) { crops[n] = image }
        for (n, image) in zip(large, ToyWorld.renderImages(large.map { examples[$0].scene }, size: 4 * cropSize)) {
            var rng = SplitMix64(seed: WorldBatches.mix(batches.sampler.seed ^ 0xC0FFEE, index * 1000 + n))
            crops[n] = image.randomCropped(width: cropSize, height: cropSize, using: &rng)
        }
        return Tensor(images: crops.map { $0! }, range: .signed)
    }

    func loss(_ batch: Tensor, random: inout RandomGenerator) throws -> Tensor {
        let (mean, logvar) = try vae.encode(batch)
        let reconstruction = try vae.decode(vae.sample(mean: mean, logvar: logvar, generator: &random))
        let kl = ((mean * mean) + logvar.exp() - logvar - 1).mean() * 0.5
        return Tensor.mseLoss(reconstruction, batch) + kl * klWeight
    }
}

extension AutoencoderKL {
    /// Rescales the latent space exactly: the encoder's means are multiplied by `k` (its log-variances shifted by
    /// 2 ln k) and the decoder divides its input by `k` first, so decode(encode(x)) is unchanged. Training fixes the
    /// latents' spread freely; Stable Diffusion's ×4 upscaler pipeline insists on `scaling_factor` 0.08333, so the
    /// world's VAE is rescaled to a spread of 1/0.08333 and base and upscaler share one latent space.
    func rescaleLatents(by k: Float) {
        let channels = config.latentChannels
        noGrad {
            let qw = quantConv.weight, perRow = qw.count / qw.shape[0]
            qw.withUnsafeMutableBufferPointer { w in for i in 0..<channels * perRow { w[i] *= k } }
            quantConv.bias?.withUnsafeMutableBufferPointer { b in
                for c in 0..<channels { b[c] *= k }
                for c in channels..<2 * channels { b[c] += 2 * Foundation.log(k) }
            }
            let pw = postQuantConv.weight, inner = pw.count / (pw.shape[0] * pw.shape[1])
            pw.withUnsafeMutableBufferPointer { w in
                for o in 0..<pw.shape[0] {
                    for c in 0..<pw.shape[1] {
                        for j in 0..<inner { w[(o * pw.shape[1] + c) * inner + j] /= k }
                    }
                }
            }
        }
    }

    /// The same weights under a config with another `scaling_factor`.
    func withScalingFactor(_ factor: Double) throws -> AutoencoderKL {
        var config = self.config
        config.scalingFactor = factor
        let copy = try AutoencoderKL(config: config)
        try copy.load(stateDict: stateDict())
        return copy
    }
}

/// `kind: train-vae` — an AutoencoderKL trained from scratch on crops of renders, its latents then rescaled so
/// `scaling_factor` is the x4 upscaler's 0.08333. Publishes a diffusers `vae` folder.
struct TrainVAEKind: WorldTrainingKind {
    let name = "train-vae"
    let version = 1
    let pathKeys: [String] = []
    let defaults = TrainingPlan(steps: 3000, learningRate: 4e-4, schedule: .cosine, warmupSteps: 100,
                                weightDecay: 0, maxGradNorm: 1, checkpointEvery: 250)
    /// What the x4 upscaler pipeline requires, and so what both pipelines use.
    static let scalingFactor = 0.08333

    func run(_ job: StageJob) throws -> [String: PlainValue] {
        let p = StageParameters(job.stage)
        let plan = try plan(job)
        let dtype = try saveType(job)
        let config = try p.config("config", as: AutoencoderKLConfig.self)
        var generator = RandomGenerator(seed: plan.seed)
        let vae = try AutoencoderKL(config: config, generator: &generator)
        vae.gradientCheckpointing = try p.bool("gradient_checkpointing", default: false)
        let task = AutoencoderTask(vae: vae, batches: WorldBatches(seed: plan.seed &+ 1, batchSize: try p.int("train_batch_size", default: 8)),
                                   cropSize: try p.int("crop_size", default: 64),
                                   wholeEvery: max(try p.int("whole_every", default: 4), 1), klWeight: try p.float("kl_weight", default: 1e-6))
        try TrainingStage.run(task, plan: plan, job: job) { task in
            let spread = try Self.latentSpread(task.vae, seed: plan.seed &+ 2)
            task.vae.rescaleLatents(by: Float(1 / Self.scalingFactor / spread))
            job.report(figure: "latent_std_before_rescale", .double((spread * 1e4).rounded() / 1e4))
            try task.vae.withScalingFactor(Self.scalingFactor).save(folder: job.outputURL("model").path, as: dtype)
        }
        return [:]
    }

    /// The standard deviation of the latent means over fresh renders at 64 and 256.
    static func latentSpread(_ vae: AutoencoderKL, seed: UInt64) throws -> Double {
        let scenes = WorldSampler(seed: seed).examples(0..<16).map(\.scene)
        var values: [Float] = []
        for size in [64, 256] {
            let mean = try noGrad { try vae.encode(WorldBatches.pixels(scenes, size: size)).mean }
            values += mean.scalars
        }
        let mu = values.reduce(0.0) { $0 + Double($1) } / Double(values.count)
        let variance = values.reduce(0.0) { $0 + (Double($1) - mu) * (Double($1) - mu) } / Double(values.count)
        return variance.squareRoot()
    }
}
