import Pipeline
import ToyWorld
import SafeTensors
import Training

/// The shape every training kind shares: it publishes a `model` folder and a `logs` folder (loss curve), its key
/// holds all of `with:` and the contents of the folders it reads, and it uses the pipeline's seed (or its own
/// `seed:`).
protocol WorldTrainingKind: StageKind {
    /// `with:` keys that name files or folders the stage reads (their contents enter the key).
    var pathKeys: [String] { get }
    /// The kind's own defaults for the training options.
    var defaults: TrainingPlan { get }
}

extension WorldTrainingKind {
    var usesSeed: Bool { true }

    func declareOutputs(of stage: StageSpec, in pipeline: PipelineSpec) throws -> [OutputDeclaration] {
        [OutputDeclaration(name: "model", form: .published(fileName: "model", isFolder: true)),
         OutputDeclaration(name: "logs", form: .published(fileName: "logs", isFolder: true))]
    }

    func identity(of stage: StageSpec, in pipeline: PipelineSpec) throws -> StageIdentity {
        StageIdentity(parameters: .object(["with": stage.with.plain, "world_version": .int(ToyWorld.version)]),
                      inputs: StageParameters(stage).inputPaths(pathKeys))
    }

    /// `save_dtype`: the precision the published weights are written in.
    func saveType(_ job: StageJob) throws -> SafeTensorsDType { try StageParameters(job.stage).saveType() }

    func plan(_ job: StageJob) throws -> TrainingPlan {
        try TrainingStage.plan(StageParameters(job.stage), seed: job.seed, defaults: defaults)
    }
}
