import ArgumentParser

/// `dbrun PIPELINE.yaml` runs every stale stage; the other verbs inspect, share and measure.
struct DBRun: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "dbrun",
        abstract: "DreamBooth as declarative pipelines: run only what changed, cache everything by content.",
        version: version,
        subcommands: [
            RunCommand.self, StatusCommand.self, WhyCommand.self, DagCommand.self, ValidateCommand.self,
            CacheCommand.self, GenerateCommand.self, TokenizeCommand.self, ModelCommand.self, ImageCommand.self, BenchCommand.self, WorldCommand.self,
            DoctorCommand.self, NewCommand.self,
        ],
        defaultSubcommand: RunCommand.self
    )
}

/// `dbrun image …`: image tools.
struct ImageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image", abstract: "Inspect images as training reads them.",
        subcommands: [ImageCheckCommand.self]
    )
}

/// `dbrun bench …`: benchmarks that print JSON (`--json`) and a table.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Measure the engine, the models and the runner.",
        subcommands: [
            EngineBench.self, RunnerBench.self, UNetBench.self, ImagingBench.self, TokenizerBench.self,
            SafeTensorsBench.self, WorldBench.self,
        ]
    )
}
