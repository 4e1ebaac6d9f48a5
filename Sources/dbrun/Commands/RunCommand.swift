import ArgumentParser
import Foundation
import Pipeline
import Tensor

/// `dbrun [run] PIPELINE.yaml`: bring stages up to date.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run every stage that is stale (the default verb: `dbrun P` is `dbrun run P`).",
        discussion: "A stage is stale when its kind, parameters, inputs or upstream outputs changed since it was cached."
    )

    @OptionGroup var options: PipelineOptions

    @Option(name: .customLong("stage"), help: "Bring only this stage (and what it needs) up to date. Repeatable.")
    var stages: [String] = []

    @Flag(help: "Rerun the named stages (all, without --stage) from scratch even when cached, not resuming an unfinished run.")
    var force = false

    @Flag(name: .customLong("dry-run"), help: "Print the plan and why each stage would run; change nothing.")
    var dryRun = false

    @Option(help: "Threads for the engine (default: $DBRUN_THREADS, else the usable CPUs capped by $OPENBLAS_NUM_THREADS).")
    var threads: Int?

    @Flag(name: .shortAndLong, help: "Print only errors.")
    var quiet = false

    func validate() throws {
        guard (threads ?? 1) > 0 else { throw ValidationError("--threads must be positive") }
    }

    func run() throws {
        let loaded = try options.load()
        try PipelineOptions.checkStages(stages, in: loaded)
        let runner = options.runner(for: loaded, quiet: quiet)
        var runOptions = Runner.Options()
        runOptions.targets = stages
        runOptions.force = force
        // The engine's own budget by default ($DBRUN_THREADS, the affinity mask, a container's CPU quota,
        // OPENBLAS_NUM_THREADS), where the machine's core count would oversubscribe a `taskset` or a container.
        if let threads { BLAS.setThreadCount(threads) }
        runOptions.threads = BLAS.threadCount
        runOptions.kernel = BLASCore.selection.core

        if dryRun {
            for decision in try runner.plan(runOptions) {
                print(PlanPrinter.line(decision))
            }
            return
        }
        let summary = runner.run(runOptions)
        if !quiet {
            let counts = Dictionary(grouping: summary.outcomes, by: \.outcome).mapValues(\.count)
            let parts = [Runner.Outcome.ran, .restored, .cached, .failed, .interrupted, .skipped].compactMap { outcome in
                counts[outcome].map { "\($0) \(outcome == .cached ? "up to date" : outcome.rawValue)" }
            }
            FileHandle.standardError.write(Data("\(loaded.spec.name): \(parts.joined(separator: ", "))\n".utf8))
        }
        if let error = summary.error { throw error }
    }
}

/// One line per stage for `--dry-run` and `status`.
enum PlanPrinter {
    static func line(_ decision: Runner.Decision) -> String {
        let verb: String
        switch decision.action {
        case .upToDate: verb = "up to date"
        case .restore: verb = "restore"
        case .run: verb = "run"
        }
        var text = "\(decision.stage): \(verb)"
        if !decision.figures.isEmpty { text += " (\(StageRecord.describe(figures: decision.figures)))" }
        if !decision.reasons.isEmpty {
            text += decision.reasons.count == 1 ? " — \(decision.reasons[0])"
                                                : decision.reasons.map { "\n    \($0)" }.joined()
        }
        return text
    }
}
