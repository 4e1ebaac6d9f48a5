import Foundation

/// Everything a kind needs to run one stage: resolved references, where to write, progress and cancellation, a
/// work folder that survives an unfinished run, and the figures to keep with the result.
public final class StageJob: @unchecked Sendable {
    public let stage: StageSpec
    public let pipeline: PipelineSpec
    /// The stage's cache key (64 hex digits): what its record is filed under.
    public let key: String
    /// A private, empty folder for this run only; removed afterwards. Published outputs are written inside it.
    public let scratch: URL
    public let seed: Int
    /// The thread count the run uses (recorded with the result, not keyed).
    public let threads: Int
    public let progress: StageProgress
    /// Whether the resume folder held files from an earlier run of this key when this run started: the kind
    /// should look there for a checkpoint.
    public let isResuming: Bool
    /// Whether the user forced this run (`--force`): items cached one by one are made again, not reused.
    public let isForced: Bool
    /// The records of every stage this one depends on, directly or not (their keys, run facts and figures), for
    /// kinds that report on a whole pipeline. Run facts are not part of this stage's key.
    public let upstreamRecords: [String: StageRecord]
    private let resumeURL: URL
    private let upstreamValues: [Reference: PlainValue]
    private let outputURLs: [String: URL]
    /// Where a command this stage starts is written down, so a later dbrun can stop it if this one is killed.
    let leftover: LeftoverCommand
    /// Where `checkCancellation()` looks: the runner's flag, the process's own unless a test gave it another.
    let interruption: Interruption
    /// The store, for items cached one by one (`memoized`).
    private let store: Store
    private let hashes: HashState
    private let lock = NSLock()
    private var reported: [String: PlainValue] = [:]
    /// Memo keys a forced run has made again.
    private var remade: Set<String> = []

    init(stage: StageSpec, pipeline: PipelineSpec, key: String, scratch: URL, resumeFolder: URL, isResuming: Bool,
         isForced: Bool = false, seed: Int, threads: Int, progress: StageProgress, upstreamValues: [Reference: PlainValue],
         upstreamRecords: [String: StageRecord], outputURLs: [String: URL], leftover: LeftoverCommand, interruption: Interruption, store: Store, hashes: HashState) {
        self.interruption = interruption
        self.store = store
        self.hashes = hashes
        self.stage = stage
        self.pipeline = pipeline
        self.key = key
        self.scratch = scratch
        self.resumeURL = resumeFolder
        self.isResuming = isResuming
        self.isForced = isForced
        self.seed = seed
        self.threads = threads
        self.progress = progress
        self.upstreamValues = upstreamValues
        self.upstreamRecords = upstreamRecords
        self.outputURLs = outputURLs
        self.leftover = leftover
    }

    /// A work folder for checkpoints and partial work: `STORE/resume/KEY/`, created on first use. Unlike `scratch`
    /// it survives a run that fails, is interrupted or killed, so a rerun with the same key finds what this run
    /// left (see `isResuming`); dbrun removes it once the stage's record is written, and `dbrun cache gc` sweeps
    /// abandoned ones. It is never pushed or pulled. Only this run touches it while it runs (the key's lock).
    /// Write files there atomically (a temporary name, then a rename): a kill can come at any moment.
    public var resumeFolder: URL {
        try? FileSystem.createDirectory(resumeURL)
        return resumeURL
    }

    /// Keeps a figure about the run (final loss, steps, images/s…) in the stage's record, shown by `dbrun status`.
    /// Reporting a name again replaces its value. Figures are not part of the key, and a failed run keeps none.
    public func report(figure name: String, _ value: PlainValue) {
        lock.lock()
        defer { lock.unlock() }
        reported[name] = value
    }

    /// The figures reported so far.
    public var figures: [String: PlainValue] {
        lock.lock()
        defer { lock.unlock() }
        return reported
    }

    /// The value of `${stage.output}`: a value output as it is, a file or folder as its path relative to the
    /// pipeline's folder; `${env.NAME}` is the environment variable's value.
    public func value(of reference: Reference) -> PlainValue {
        if reference.stage == PipelineSpec.environmentStage { return pipeline.environment[reference.output].map(PlainValue.string) ?? .null }
        return upstreamValues[reference] ?? .null
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

    /// Puts one item of this stage's work at `destination`, cached on its own in the store under `identity` (all
    /// that makes the item what it is: model content hash, prompt, sampler, its own seed…): `produce` writes it to
    /// the URL it is given only when no run, of this stage or any other, made it before. Returns whether it was
    /// cached. The stage's key still decides whether the stage runs; this only spares the items' work. In a forced
    /// run each item is made again, once, and refiled.
    @discardableResult
    public func memoized(_ identity: PlainValue, at destination: URL, produce: (URL) throws -> Void) throws -> Bool {
        let key = Store.memoKey(identity)
        let remake = isForced && lock.withLock { remade.insert(key).inserted }
        return try store.memoized(key: key, at: destination, remake: remake, produce: produce)
    }

    /// Whether an item is cached under `identity` (to make the missing ones of a batch together); never in a
    /// forced run.
    public func isMemoized(_ identity: PlainValue) -> Bool {
        !isForced && store.memoizedHash(Store.memoKey(identity)) != nil
    }

    /// The content hash of a file or folder (a folder's is its manifest's), as keys hold it: for a memo's identity.
    public func contentHash(of url: URL) throws -> String {
        try hashes.hash(url).hash.value
    }

    /// Whether the user asked to stop (for loops that take a cancellation predicate).
    public var isCancelled: Bool { interruption.isRequested }

    /// Throws once the user asked to stop: call it between steps of long work.
    public func checkCancellation() throws {
        try interruption.check()
    }
}
