import Diffusion
import Foundation
import Pipeline
import Tensor
import ToyWorld
import Training

/// CLIP's symmetric contrastive objective on rendered (image, caption) pairs of the world.
///
/// The background is most of a picture and the easiest thing to match captions by, so every other micro-batch is
/// drawn from a single context, where only the subject (its class, colour, pattern) tells the captions apart.
final class CLIPContrastiveTask: TrainingTask {
    let model: CLIPModel
    let tokenizer: CLIPTokenizer
    let batches: WorldBatches
    let processor: ImageProcessorConfig

    init(model: CLIPModel, tokenizer: CLIPTokenizer, batches: WorldBatches) {
        self.model = model
        self.tokenizer = tokenizer
        self.batches = batches
        processor = Self.processor(imageSize: model.config.visionConfig.imageSize)
    }

    /// The preprocessor the model is trained with and ships: CLIP's mean and std, at the model's own size (the
    /// renders are drawn at that size, so resize and crop are identities).
    static func processor(imageSize: Int) -> ImageProcessorConfig {
        var config = ImageProcessorConfig(family: .clip)
        config.size = .shortestEdge(imageSize)
        config.cropSize = .fixed(height: imageSize, width: imageSize)
        return config
    }

    var trainableParameters: [(name: String, tensor: Tensor)] { model.trainableParameters() }
    var examplesPerBatch: Int { batches.batchSize }

    /// Micro-batch `index`: from one context when `index` is even (the context cycling with the index), from the
    /// whole world when it is odd.
    func examples(_ index: Int) -> [WorldExample] {
        guard index % 2 == 0 else { return batches.examples(index) }
        let contexts = WorldContext.allCases
        let sampler = WorldSampler(seed: batches.sampler.seed, contexts: [contexts[(index / 2) % contexts.count]])
        return sampler.examples(index * batches.batchSize..<(index + 1) * batches.batchSize)
    }

    func batch(_ index: Int) throws -> (pixels: Tensor, ids: [[Int]]) {
        let examples = examples(index)
        let pixels = WorldBatches.normalizedPixels(examples.map(\.scene), size: model.config.visionConfig.imageSize,
                                                   mean: processor.imageMean, std: processor.imageStd)
        return (pixels, examples.map { tokenizer.encode($0.caption) })
    }

    func loss(_ batch: (pixels: Tensor, ids: [[Int]]), random: inout RandomGenerator) throws -> Tensor {
        CLIPModel.contrastiveLoss(logitsPerImage: try model(inputIDs: batch.ids, pixels: batch.pixels).logitsPerImage)
    }
}

/// `kind: train-clip` — a CLIPModel trained contrastively on the world from scratch, with the standard CLIP BPE
/// vocabulary: Stable Diffusion's text encoder is its text tower, and a second one (other seed and size) scores
/// CLIP-I and CLIP-T. Publishes a transformers CLIPModel folder with its tokenizer and preprocessor.
struct TrainCLIPKind: WorldTrainingKind {
    let name = "train-clip"
    let version = 3
    let pathKeys = ["tokenizer"]
    let defaults = TrainingPlan(steps: 3000, learningRate: 5e-4, schedule: .cosine, warmupSteps: 200,
                                weightDecay: 0.1, maxGradNorm: 1, checkpointEvery: 250)

    func run(_ job: StageJob) throws -> [String: PlainValue] {
        let p = StageParameters(job.stage)
        let plan = try plan(job)
        let dtype = try saveType(job)
        let config = try p.config("config", as: CLIPConfig.self)
        let tokenizerFolder = try p.path("tokenizer", in: job)
        let tokenizer = try CLIPTokenizer(folder: tokenizerFolder.path)
        var generator = RandomGenerator(seed: plan.seed)
        let model = try CLIPModel(config, generator: &generator)
        model.initializeEmbeddingsForTraining()
        let task = CLIPContrastiveTask(model: model, tokenizer: tokenizer,
                                       batches: WorldBatches(seed: plan.seed &+ 1, batchSize: try p.int("train_batch_size", default: 64)))
        try TrainingStage.run(task, plan: plan, job: job) { task in
            let folder = job.outputURL("model")
            try task.model.save(folder: folder.path, as: dtype)
            try ModelFolderFiles.copyTokenizer(from: tokenizerFolder, to: folder)
            try ModelFolderFiles.writeProcessor(task.processor, to: folder)
        }
        return [:]
    }
}

extension CLIPModel {
    /// transformers' `CLIPPreTrainedModel._init_weights` for the embeddings: token and position tables at std 0.02,
    /// the class embedding at std hidden^-½. The engine's layers start from PyTorch's defaults (N(0, 1) tables),
    /// which for a loaded checkpoint never matters; trained from scratch, position tables 50× larger than the
    /// token and patch signal drown it (measured: after 2500 steps "a dog" and "a cat" embedded at cosine 1.00,
    /// zero-shot class accuracy 28%). The vocabulary's tokens no caption uses stay near their small start, weak and
    /// untrained, as a rare token's embedding is in a real CLIP.
    func initializeEmbeddingsForTraining() {
        noGrad {
            textModel.embeddings.tokenEmbedding.weight.scaleInPlace(0.02)
            textModel.embeddings.positionEmbedding.weight.scaleInPlace(0.02)
            let vision = visionModel.embeddings
            vision.classEmbedding.scaleInPlace(1 / Float(config.visionConfig.hiddenSize).squareRoot())
            vision.positionEmbedding.weight.scaleInPlace(0.02)
        }
    }
}
