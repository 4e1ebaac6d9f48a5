import Pipeline
import Pretraining

/// What the DreamBooth kinds share: the key holds all of `with:` and the contents of the files and folders it
/// names (model folders, photos), and the pipeline's seed (or the stage's own `seed:`) is used.
protocol DreamBoothKind: StageKind {
    /// `with:` keys that name files or folders the stage reads.
    var pathKeys: [String] { get }
}

extension DreamBoothKind {
    var usesSeed: Bool { true }

    func identity(of stage: StageSpec, in pipeline: PipelineSpec) throws -> StageIdentity {
        StageIdentity(parameters: stage.with.plain, inputs: StageParameters(stage).inputPaths(pathKeys))
    }

    /// The stage's seed: its own `seed:` or the pipeline's.
    func seed(_ job: StageJob) throws -> UInt64 {
        UInt64(truncatingIfNeeded: try StageParameters(job.stage).int("seed", default: job.seed))
    }
}
