import ArgumentParser
import DreamBooth
import Foundation
import Pipeline

/// The options every pipeline verb shares: which pipeline, and which store.
struct PipelineOptions: ParsableArguments {
    @Argument(help: "The pipeline file (YAML).", completion: .file(extensions: ["yaml", "yml"]))
    var pipeline: String

    @Option(name: .long, help: "The cache store folder (default: .dbrun/ beside the pipeline, or $DBRUN_CACHE).")
    var cache: String?

    @Option(name: .customLong("set"), parsing: .singleValue,
            help: ArgumentHelp("Replace a value of the pipeline file for this command, e.g. --set seed=1 or --set stages.finetune_base.with.learning_rate=1e-5 (VALUE is YAML). Repeatable.",
                               valueName: "path=value"))
    var overrides: [String] = []

    static var kinds: StageKindRegistry { DreamBoothKinds.registry }

    func load() throws -> LoadedPipeline {
        try PipelineLoader.load(file: pipeline, kinds: Self.kinds, overrides: overrides.map(SpecOverride.init(parsing:)))
    }

    func runner(for loaded: LoadedPipeline, quiet: Bool = false) -> Runner {
        let workspace = Workspace(root: loaded.spec.workspace, pipelineName: loaded.spec.name)
        return Runner(pipeline: loaded, store: workspace.store(override: cache), display: ProgressDisplay(quiet: quiet),
                      dbrunVersion: DBRun.version)
    }

    /// Checks `--stage` names against the pipeline, suggesting the nearest.
    static func checkStages(_ names: [String], in loaded: LoadedPipeline) throws {
        for name in names where loaded.spec.stage(name) == nil {
            let known = loaded.spec.stages.map(\.name)
            throw PipelineError.invalid(
                at: SourceLocation(file: loaded.spec.file), "no stage '\(name)' in this pipeline",
                hint: Suggestion.didYouMean(name, among: known) ?? "its stages: \(known.joined(separator: ", "))")
        }
    }
}
