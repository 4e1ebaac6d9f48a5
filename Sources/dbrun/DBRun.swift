import ArgumentParser

/// `dbrun PIPELINE.yaml` runs every stale stage; the other verbs inspect, share and measure.
struct DBRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dbrun",
        abstract: "DreamBooth as declarative pipelines: run only what changed, cache everything by content.",
        subcommands: [TokenizeCommand.self, ImageCommand.self, BenchCommand.self],
    )
}

/// `dbrun image …`: image tools.
struct ImageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image", abstract: "Inspect images as training reads them.", subcommands: []
    )
}

/// `dbrun bench …`: benchmarks that print JSON (`--json`) and a table.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Measure the engine, the models and the runner.",
        subcommands: [BenchTokenizerCommand.self, BenchSafeTensorsCommand.self]
    )
}
