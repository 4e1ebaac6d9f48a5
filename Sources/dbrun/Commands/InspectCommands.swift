import ArgumentParser
import Foundation
import Pipeline

/// `dbrun status P`: which stages are up to date, and why the others are not.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show which stages are stale and why.")

    @OptionGroup var options: PipelineOptions
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let loaded = try options.load()
        let decisions = try options.runner(for: loaded, quiet: true).plan(Runner.Options())
        if json {
            let rows: [PlainValue] = decisions.map {
                .object(["stage": .string($0.stage), "action": .string($0.action.rawValue),
                         "reasons": .array($0.reasons.map { .string($0) }), "figures": .object($0.figures)])
            }
            print(PlainValue.array(rows).canonicalJSON)
            return
        }
        decisions.forEach { print(PlanPrinter.line($0)) }
        let stale = decisions.filter { $0.action != .upToDate }.count
        print(stale == 0 ? "everything is up to date" : "\(stale) of \(decisions.count) stages need work")
    }
}

/// `dbrun why P S`: which parts of S's key differ from its last record.
struct WhyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "why", abstract: "Explain why a stage would run.")

    @OptionGroup var options: PipelineOptions
    @Argument(help: "The stage.") var stage: String

    func run() throws {
        let loaded = try options.load()
        try PipelineOptions.checkStages([stage], in: loaded)
        var runOptions = Runner.Options()
        runOptions.targets = [stage]
        let decisions = try options.runner(for: loaded, quiet: true).plan(runOptions)
        for decision in decisions where decision.stage == stage || decision.action != .upToDate {
            print(PlanPrinter.line(decision))
        }
    }
}

/// `dbrun dag P`: the stages and their edges.
struct DagCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "dag", abstract: "Print the pipeline's DAG.")

    @OptionGroup var options: PipelineOptions
    @Flag(help: "Print Graphviz dot source.") var dot = false

    func run() throws {
        let loaded = try options.load()
        let graph = loaded.graph
        if dot {
            print(graph.dot(name: loaded.spec.name))
            return
        }
        for name in graph.order {
            let kind = loaded.spec.stage(name)!.kind
            let ups = graph.upstream[name] ?? []
            print(ups.isEmpty ? "\(name) (\(kind))" : "\(name) (\(kind)) ← \(ups.joined(separator: ", "))")
            for up in ups { print("    \(up): \(graph.edgeReasons[name]?[up] ?? "")") }
        }
    }
}

/// `dbrun validate P`: every check short of running.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate", abstract: "Check a pipeline against the schema, its kinds and its DAG.")

    @OptionGroup var options: PipelineOptions

    func run() throws {
        let loaded = try options.load()
        print("\(options.pipeline): valid (\(loaded.spec.stages.count) stages)")
    }
}
