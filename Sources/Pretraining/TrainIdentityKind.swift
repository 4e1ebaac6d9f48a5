import Diffusion
import Foundation
import Imaging
import Pipeline
import Tensor
import ToyWorld
import Training

/// The identity encoder's metric-learning objective (InfoNCE over two views, as in SimCLR and DINO's use for
/// retrieval): each micro-batch holds P different subjects, each seen twice in different contexts and poses; the
/// embeddings of one subject's two views must pick each other out among all the others. A share of the subjects
/// (half by default) come from one class, so the model must tell instances apart by their details, not only classes
/// by their shapes.
final class IdentityTask: TrainingTask {
    let model: ViTModel
    let subjects: Int
    /// How many of a micro-batch's subjects come from its one shared class.
    let sameClass: Int
    let seed: UInt64
    let temperature: Float
    let processor: ImageProcessorConfig

    init(model: ViTModel, subjects: Int, sameClassShare: Double = 0.5, seed: UInt64, temperature: Float) {
        self.model = model
        self.subjects = subjects
        // Rounded down, as `subjects / 2` was before the share could be set: the default keeps the old batches.
        sameClass = Int((Double(subjects) * sameClassShare).rounded(.down))
        self.seed = seed
        self.temperature = temperature
        processor = Self.processor(imageSize: model.config.imageSize)
    }

    /// ViT's processor (mean and std 0.5) at the model's size: renders are drawn at that size.
    static func processor(imageSize: Int) -> ImageProcessorConfig {
        var config = ImageProcessorConfig(family: .vit)
        config.size = .fixed(height: imageSize, width: imageSize)
        return config
    }

    var trainableParameters: [(name: String, tensor: Tensor)] { model.trainableParameters() }
    var examplesPerBatch: Int { 2 * subjects }

    /// Micro-batch `index`: P pretraining subjects (distinct ids), views A then views B.
    func batch(_ index: Int) throws -> Tensor {
        let ids = subjectIDs(index)
        let contexts = WorldContext.allCases
        var views: [Scene] = []
        for pass in 0..<2 {
            for (n, id) in ids.enumerated() {
                let context = contexts[Int(WorldBatches.mix(seed ^ UInt64(pass), index * 1000 + n) % UInt64(contexts.count))]
                views.append(Scene(id, in: context, variation: WorldBatches.mix(seed &+ 7, (index * 1000 + n) * 2 + pass)))
            }
        }
        return WorldBatches.normalizedPixels(views, size: model.config.imageSize, mean: processor.imageMean,
                                             std: processor.imageStd)
    }

    /// The distinct subjects of micro-batch `index`: the first `sameClass` of one class, the rest of any.
    func subjectIDs(_ index: Int) -> [SubjectID] {
        var rng = SplitMix64(seed: WorldBatches.mix(seed, index))
        let classes = WorldClass.allCases
        let shared = classes[Int(rng.next() % UInt64(classes.count))]
        var ids: [SubjectID] = []
        var seen = Set<SubjectID>()
        while ids.count < subjects {
            let worldClass = ids.count < sameClass ? shared : classes[Int(rng.next() % UInt64(classes.count))]
            let range = SubjectID.pretrainingIDs
            let id = SubjectID(worldClass, range.lowerBound + Int(rng.next() % UInt64(range.count)))
            if seen.insert(id).inserted { ids.append(id) }
        }
        return ids
    }

    func loss(_ batch: Tensor, random: inout RandomGenerator) throws -> Tensor {
        let embeddings = CLIPModel.normalized(try model.classEmbedding(batch))
        let halves = embeddings.split([subjects, subjects], axis: 0)
        let logits = Tensor.matmul(halves[0], halves[1], transposeB: true) * (1 / temperature)
        return CLIPModel.contrastiveLoss(logitsPerImage: logits)
    }
}

/// `kind: train-identity` — the world's DINO: a transformers ViTModel trained so one subject embeds close to itself
/// across contexts and poses and apart from other instances of its class, at an input size that sees the fine
/// details. Publishes a ViTModel folder with its preprocessor config.
struct TrainIdentityKind: WorldTrainingKind {
    let name = "train-identity"
    let version = 1
    let pathKeys: [String] = []
    let defaults = TrainingPlan(steps: 3000, learningRate: 5e-4, schedule: .cosine, warmupSteps: 200,
                                weightDecay: 0.05, maxGradNorm: 1, checkpointEvery: 250)

    func run(_ job: StageJob) throws -> [String: PlainValue] {
        let p = StageParameters(job.stage)
        let plan = try plan(job)
        let dtype = try saveType(job)
        let config = try p.config("config", as: ViTConfig.self)
        var generator = RandomGenerator(seed: plan.seed)
        let model = try ViTModel(config, addPoolingLayer: false, generator: &generator)
        let task = IdentityTask(model: model, subjects: try p.int("subjects_per_batch", default: 32),
                                sameClassShare: try p.double("same_class_share", default: 0.5), seed: plan.seed &+ 1,
                                temperature: try p.float("temperature", default: 0.1))
        try TrainingStage.run(task, plan: plan, job: job) { task in
            let folder = job.outputURL("model")
            try task.model.save(folder: folder.path, as: dtype)
            try ModelFolderFiles.writeProcessor(task.processor, to: folder)
        }
        return [:]
    }
}
