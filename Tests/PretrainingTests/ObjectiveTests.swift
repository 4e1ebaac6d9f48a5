import Diffusion
import Foundation
import Tensor
import Testing
import ToyWorld
import Training
@testable import Pretraining

/// A few dozen steps of each objective on tiny models: the loss must fall clearly below where it started, which a
/// wrong gradient, a wrong target or a data stream that ignores its index never does.
@Suite struct ObjectiveTests {
    static let tokenizerFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("models/clip-tokenizer").path

    /// Mean loss of the first and last `window` steps.
    static func trainedLoss<Task: TrainingTask>(_ task: Task, steps: Int, learningRate: Float, window: Int = 5) throws -> (Float, Float) {
        let plan = TrainingPlan(steps: steps, learningRate: learningRate, warmupSteps: 0, weightDecay: 0, maxGradNorm: 1)
        let curve = try Trainer(task: task, plan: plan).run()
        let first = curve.points.prefix(window).map(\.loss).reduce(0, +) / Float(window)
        let last = curve.points.suffix(window).map(\.loss).reduce(0, +) / Float(window)
        return (first, last)
    }

    /// Three blocks: 4× downsampling, as the world's VAE.
    static func tinyVAE(_ generator: inout RandomGenerator) throws -> AutoencoderKL {
        try AutoencoderKL(config: AutoencoderKLConfig.decode(Data("""
        {"block_out_channels": [8, 8, 8], "down_block_types": ["DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D"],
         "up_block_types": ["UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D"], "layers_per_block": 1, "norm_num_groups": 4,
         "latent_channels": 4, "sample_size": 16}
        """.utf8)).config, generator: &generator)
    }

    static func tinyText(_ generator: inout RandomGenerator) throws -> FrozenTextEncoder {
        let config = try CLIPTextConfig.decode(Data("""
        {"hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2,
         "max_position_embeddings": 77, "projection_dim": 16}
        """.utf8)).config
        return FrozenTextEncoder(model: try CLIPTextModel(config, generator: &generator),
                                 tokenizer: try CLIPTokenizer(folder: tokenizerFolder))
    }

    static func tinyUNet(inChannels: Int, classes: Int?, _ generator: inout RandomGenerator) throws -> UNet2DConditionModel {
        let classKey = classes.map { ", \"num_class_embeds\": \($0)" } ?? ""
        return try UNet2DConditionModel(config: UNet2DConditionConfig.decode(Data("""
        {"sample_size": 4, "in_channels": \(inChannels), "out_channels": 4, "layers_per_block": 1,
         "block_out_channels": [16, 16], "down_block_types": ["CrossAttnDownBlock2D", "DownBlock2D"],
         "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D"], "cross_attention_dim": 16, "attention_head_dim": 4,
         "norm_num_groups": 4\(classKey)}
        """.utf8)).config, generator: &generator)
    }

    static let schedule = try! WorldSchedulers.schedule(WorldSchedulers.ddim(betaStart: 0.00085, betaEnd: 0.012, prediction: "epsilon"))

    @Test func clipContrastiveLossFalls() throws {
        var generator = RandomGenerator(seed: 1)
        let config = try CLIPConfig.decode(Data("""
        {"projection_dim": 16,
         "text_config": {"hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2},
         "vision_config": {"image_size": 16, "patch_size": 8, "hidden_size": 16, "intermediate_size": 32,
                           "num_hidden_layers": 1, "num_attention_heads": 2}}
        """.utf8)).config
        // One fixed micro-batch, so the test asks only whether the objective can be optimised.
        let task = CLIPContrastiveTask(model: try CLIPModel(config, generator: &generator),
                                       tokenizer: try CLIPTokenizer(folder: Self.tokenizerFolder),
                                       batches: WorldBatches(seed: 3, batchSize: 8))
        let (first, last) = try Self.trainedLoss(Fixed(task), steps: 40, learningRate: 3e-3)
        #expect(last < first * 0.5, "contrastive loss \(first) → \(last)")
    }

    @Test func autoencoderReconstructionLossFalls() throws {
        var generator = RandomGenerator(seed: 2)
        let task = AutoencoderTask(vae: try Self.tinyVAE(&generator), batches: WorldBatches(seed: 4, batchSize: 4),
                                   cropSize: 16, klWeight: 1e-6)
        let (first, last) = try Self.trainedLoss(Fixed(task), steps: 40, learningRate: 3e-3)
        #expect(last < first * 0.5, "reconstruction loss \(first) → \(last)")
    }

    /// whole_every 1: every example is the whole render at the crop size; the default mixes in crops of larger ones.
    @Test func autoencoderBatchesMixWholeRendersAndCrops() throws {
        var generator = RandomGenerator(seed: 2)
        let vae = try Self.tinyVAE(&generator)
        let batches = WorldBatches(seed: 4, batchSize: 8)
        let whole = Tensor(images: ToyWorld.renderImages(batches.examples(3).map(\.scene), size: 16), range: .signed)
        let allWhole = try AutoencoderTask(vae: vae, batches: batches, cropSize: 16, wholeEvery: 1, klWeight: 0).batch(3)
        #expect(allWhole.scalars == whole.scalars)
        let mixed = try AutoencoderTask(vae: vae, batches: batches, cropSize: 16, klWeight: 0).batch(3)
        let per = 3 * 16 * 16
        let same = (0..<8).filter { n in Array(mixed.scalars[n * per..<(n + 1) * per]) == Array(whole.scalars[n * per..<(n + 1) * per]) }
        #expect(!same.isEmpty && same.count < 8, "whole examples in the default mix: \(same)")
    }

    @Test(arguments: [DenoisingObjective.Prediction.epsilon, .vPrediction])
    func denoiserLossFalls(prediction: DenoisingObjective.Prediction) throws {
        var generator = RandomGenerator(seed: 5)
        let task = DenoiserTask(
            unet: try Self.tinyUNet(inChannels: 4, classes: nil, &generator), vae: try Self.tinyVAE(&generator),
            text: try Self.tinyText(&generator), objective: DenoisingObjective(schedule: Self.schedule, prediction: prediction),
            dropout: CaptionDropout(probability: 0.1), batches: WorldBatches(seed: 6, batchSize: 4), imageSize: 16)
        let (first, last) = try Self.trainedLoss(Fixed(task), steps: 40, learningRate: 3e-3, window: 10)
        #expect(last < first * 0.8, "\(prediction) loss \(first) → \(last)")
    }

    @Test func upscalerLossFalls() throws {
        var generator = RandomGenerator(seed: 7)
        let task = UpscalerTask(
            unet: try Self.tinyUNet(inChannels: 7, classes: 400, &generator), vae: try Self.tinyVAE(&generator),
            text: try Self.tinyText(&generator),
            objective: DenoisingObjective(schedule: Self.schedule, prediction: .vPrediction),
            conditioning: UpscalerConditioning(lowResSchedule: try WorldSchedulers.schedule(WorldSchedulers.lowResScheduler),
                                               maxNoiseLevel: 350),
            dropout: CaptionDropout(probability: 0.1), batches: WorldBatches(seed: 8, batchSize: 4), cropSize: 16,
            renderSize: 32)
        let (first, last) = try Self.trainedLoss(Fixed(task), steps: 40, learningRate: 3e-3, window: 10)
        #expect(last < first * 0.8, "upscaler loss \(first) → \(last)")
    }

    @Test func identityLossFalls() throws {
        var generator = RandomGenerator(seed: 9)
        let config = try ViTConfig.decode(Data("""
        {"image_size": 16, "patch_size": 8, "hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 1,
         "num_attention_heads": 2}
        """.utf8)).config
        let task = IdentityTask(model: try ViTModel(config, addPoolingLayer: false, generator: &generator), subjects: 8,
                                seed: 10, temperature: 0.1)
        let (first, last) = try Self.trainedLoss(Fixed(task), steps: 40, learningRate: 3e-3)
        #expect(last < first * 0.5, "identity loss \(first) → \(last)")
    }

    /// `same_class_share` sets how many of a batch's distinct subjects share one class; the rest are drawn from all.
    @Test func identityBatchesHoldTheAskedShareOfOneClass() throws {
        var generator = RandomGenerator(seed: 9)
        let config = try ViTConfig.decode(Data("""
        {"image_size": 16, "patch_size": 8, "hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 1,
         "num_attention_heads": 2}
        """.utf8)).config
        let model = try ViTModel(config, addPoolingLayer: false, generator: &generator)
        for (share, shared) in [(1.0, 12), (0.5, 6), (0.25, 3)] {
            let task = IdentityTask(model: model, subjects: 12, sameClassShare: share, seed: 10, temperature: 0.1)
            for index in 0..<5 {
                let ids = task.subjectIDs(index)
                #expect(Set(ids).count == 12 && ids.allSatisfy { SubjectID.pretrainingIDs.contains($0.id) })
                #expect(Set(ids.prefix(shared).map(\.worldClass)).count == 1)
                if shared < 12 { #expect(Set(ids.map(\.worldClass)).count > 1) }
            }
        }
    }

    /// The world's renders through the VAE's exact latent rescaling: decoding is unchanged, the spread is scaled.
    @Test func latentRescalingKeepsReconstructions() throws {
        var generator = RandomGenerator(seed: 11)
        let vae = try Self.tinyVAE(&generator)
        let pixels = WorldBatches.pixels(WorldSampler(seed: 1).examples(0..<2).map(\.scene), size: 16)
        let (mean, _) = try noGrad { try vae.encode(pixels) }
        let before = try noGrad { try vae.decode(mean) }
        vae.rescaleLatents(by: 8)
        let (scaled, _) = try noGrad { try vae.encode(pixels) }
        let after = try noGrad { try vae.decode(scaled) }
        let spread = zip(scaled.scalars, mean.scalars).map { abs($0 - 8 * $1) }.max()!
        let drift = zip(after.scalars, before.scalars).map { abs($0 - $1) }.max()!
        #expect(spread < 1e-4 * (mean.scalars.map(abs).max()! * 8 + 1))
        #expect(drift < 1e-4)
    }
}

/// Repeats a task's first micro-batch with its first random stream, so a short run optimises one fixed problem.
final class Fixed<Inner: TrainingTask>: TrainingTask {
    let inner: Inner
    let first: Inner.Batch
    init(_ inner: Inner) {
        self.inner = inner
        first = try! inner.batch(0)
    }
    var trainableParameters: [(name: String, tensor: Tensor)] { inner.trainableParameters }
    var examplesPerBatch: Int { inner.examplesPerBatch }
    func batch(_ index: Int) throws -> Inner.Batch { first }
    func loss(_ batch: Inner.Batch, random: inout RandomGenerator) throws -> Tensor {
        var fixed = Trainer<Inner>.random(seed: 0, microBatch: 0)
        return try inner.loss(batch, random: &fixed)
    }
}
