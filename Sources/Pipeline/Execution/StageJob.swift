import Foundation

/// Everything a kind needs to run one stage: resolved references, where to write, progress and cancellation.
public final class StageJob: @unchecked Sendable {
    public let stage: StageSpec
    public let pipeline: PipelineSpec
    /// A private, empty folder for this run only; removed afterwards. Published outputs are written inside it.
    public let scratch: URL
    public let seed: Int
    /// The thread count the run uses (recorded with the result, not keyed).
    public let threads: Int
    public let progress: StageProgress
    private let upstreamValues: [Reference: PlainValue]
    private let outputURLs: [String: URL]
    /// Where a command this stage starts is written down, so a later dbrun can stop it if this one is killed.
    let leftover: LeftoverCommand

    init(stage: StageSpec, pipeline: PipelineSpec, scratch: URL, seed: Int, threads: Int, progress: StageProgress,
         upstreamValues: [Reference: PlainValue], outputURLs: [String: URL], leftover: LeftoverCommand) {
        self.stage = stage
        self.pipeline = pipeline
        self.scratch = scratch
        self.seed = seed
        self.threads = threads
        self.progress = progress
        self.upstreamValues = upstreamValues
        self.outputURLs = outputURLs
        self.leftover = leftover
    }

    /// The value of `${stage.output}`: a value output as it is, a file or folder as its path relative to the
    /// pipeline's folder.
    public func value(of reference: Reference) -> PlainValue {
        upstreamValues[reference] ?? .null
    }

    /// A string with its references replaced; `quote` wraps each substituted value (the command kind shell-quotes).
    public func render(_ node: SpecNode, quote: (String) -> String = { $0 }) -> String {
        Template(node.string ?? node.plain.interpolated, at: node.location).render { quote(value(of: $0).interpolated) }
    }

    /// Where to write output `name`.
    public func outputURL(_ name: String) -> URL {
        guard let url = outputURLs[name] else { preconditionFailure("stage kind wrote undeclared output '\(name)'") }
        return url
    }

    /// Throws once the user asked to stop: call it between steps of long work.
    public func checkCancellation() throws {
        try Interruption.shared.check()
    }
}
