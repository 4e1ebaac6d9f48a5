import Foundation

/// Plans and runs a loaded pipeline against a store: each stage in DAG order is looked up by its key, restored
/// from the cache when it was run before, and otherwise run, stored and published.
public final class Runner: @unchecked Sendable {
    public struct Options: Sendable {
        /// Stages to bring up to date (with what they need); empty means all.
        public var targets: [String] = []
        /// Rerun the targets (all stages when there are none) even when cached.
        public var force = false
        public var threads = 1
        /// The numeric kernels the run uses (OpenBLAS's core type): like the thread count, they change the last bits
        /// of results, so they are recorded beside it, not keyed.
        public var kernel: String?
        public init() {}
    }

    /// What happened to a stage in a run.
    public enum Outcome: String, Sendable {
        case ran, cached, restored, failed, skipped, interrupted
    }

    public let pipeline: LoadedPipeline
    public let store: Store
    public let workspace: Workspace
    public let state: HashState
    let display: ProgressDisplay
    private let version: String
    /// Where this runner's stages look for a request to stop.
    public var interruption = Interruption.shared

    public init(pipeline: LoadedPipeline, store: Store, display: ProgressDisplay, dbrunVersion: String) {
        self.pipeline = pipeline
        self.store = store
        self.display = display
        self.version = dbrunVersion
        workspace = Workspace(root: pipeline.spec.workspace, pipelineName: pipeline.spec.name)
        state = HashState(url: workspace.stateFile)
    }

    var spec: PipelineSpec { pipeline.spec }

    // MARK: - Keys

    /// A stage's key, given the records its upstream stages have now. Hashes its inputs (cheaply, through the state).
    func key(for stage: StageSpec, upstream records: [String: StageRecord]) throws -> CacheKey {
        try key(for: stage, upstreamFingerprints: records.mapValues { $0.outputs.mapValues(\.fingerprint) })
    }

    /// A stage's key, given what its upstream stages' outputs hold (stage → output → content hash or value, as a
    /// record's `fingerprint`): how a model card's stage keys are checked against the pipeline file without the
    /// store that made them.
    public func key(for stage: StageSpec, upstreamFingerprints: [String: [String: PlainValue]]) throws -> CacheKey {
        let kind = pipeline.kind(of: stage)
        let identity = try kind.identity(of: stage, in: spec)
        var inputs: [String: ContentHash] = [:]
        for path in identity.inputs {
            let url = spec.resolve(path)
            guard FileSystem.exists(url.path) else {
                throw PipelineError.invalid(at: stage.location, "stage '\(stage.name)' reads '\(path)', which does not exist",
                                            hint: "create it, or fix the path (relative to \(spec.file)'s folder)")
            }
            inputs[path] = try state.hash(url).hash
        }
        var upstream: [String: PlainValue] = [:]
        for ref in stage.references {
            upstream["\(ref.stage).\(ref.output)"] = upstreamFingerprints[ref.stage]?[ref.output] ?? .null
        }
        for need in stage.needs {
            upstream[need.stage] = .object(upstreamFingerprints[need.stage] ?? [:])
        }
        return CacheKey(kind: kind, identity: identity, inputs: inputs, upstream: upstream, seed: spec.seed)
    }

    // MARK: - Planning (dry run, status)

    /// The stages a run covers (the targets and what they need, in run order) and those `--force` reruns.
    private func scope(_ options: Options) -> (order: [String], forced: Set<String>) {
        let order = pipeline.graph.closure(of: options.targets.isEmpty ? spec.stages.map(\.name) : options.targets)
        return (order, Set(options.force ? (options.targets.isEmpty ? order : options.targets) : []))
    }

    /// What a run would do with one stage, and why.
    public struct Decision: Sendable {
        public enum Action: String, Sendable { case upToDate = "up to date", restore, run }
        public var stage: String
        public var action: Action
        public var reasons: [String]
        /// The figures in the cached record (up to date, restore); empty when it has none or the stage will run.
        public var figures: [String: PlainValue] = [:]
    }

    /// Decides every stage of the run without changing anything.
    public func plan(_ options: Options) throws -> [Decision] {
        let (order, forced) = scope(options)
        var records: [String: StageRecord] = [:]
        var willRun = Set<String>()
        var decisions: [Decision] = []
        for name in order {
            let stage = spec.stage(name)!
            let changedUpstream = (pipeline.graph.upstream[name] ?? []).filter(willRun.contains)
            if !changedUpstream.isEmpty {
                willRun.insert(name)
                decisions.append(Decision(stage: name, action: .run,
                                          reasons: ["after \(changedUpstream.map { "'\($0)'" }.joined(separator: ", ")), whose outputs may change"]))
                continue
            }
            let key = try key(for: stage, upstream: records)
            if forced.contains(name) {
                willRun.insert(name)
                decisions.append(Decision(stage: name, action: .run, reasons: ["forced"]))
            } else if let found = store.record(forKey: key.value), found.outputs.values.allSatisfy({ $0.hash.map(store.hasAllObjects) ?? true }) {
                let record = localized(found, stage: stage)
                records[name] = record
                let stale = outputsNeedingRestore(record)
                decisions.append(Decision(stage: name, action: stale.isEmpty ? .upToDate : .restore,
                                          reasons: stale.map { "\($0) is missing or modified in the workspace" },
                                          figures: record.figures ?? [:]))
            } else {
                willRun.insert(name)
                let resumable = !((try? FileManager.default.contentsOfDirectory(atPath: store.resumeFolder(key: key.value).path)) ?? []).isEmpty
                decisions.append(Decision(stage: name, action: .run, reasons: explain(stage, key: key)
                    + (resumable ? ["an unfinished run left its work folder: this run resumes from it"] : [])))
            }
        }
        return decisions
    }

    /// Why a stage's key is not in the cache: what changed since its last record.
    public func explain(_ stage: StageSpec, key: CacheKey) -> [String] {
        guard let last = store.lastRecord(pipeline: spec.name, stage: stage.name) else {
            return ["never run (no record for this stage in the cache)"]
        }
        if last.key == key.value { return ["its last run's outputs are no longer in the cache"] }
        var reasons: [String] = []
        for part in ["kind", "kind_version", "params", "seed", "upstream"] {
            let new = key.parts[part] ?? .null, old = last.parts[part] ?? .null
            reasons += new.differences(from: old, path: part).map { "\($0)" }
        }
        let newInputs = key.parts["inputs"]?.object ?? [:], oldInputs = last.parts["inputs"]?.object ?? [:]
        for path in Set(newInputs.keys).union(oldInputs.keys).sorted() {
            switch (oldInputs[path]?.string, newInputs[path]?.string) {
            case (nil, _?): reasons.append("input '\(path)' is new")
            case (_?, nil): reasons.append("input '\(path)' is no longer read")
            case (let o?, let n?) where o != n:
                reasons.append("input '\(path)' changed" + folderChanges(old: ContentHash(o), new: ContentHash(n), path: path))
            default: break
            }
        }
        return reasons.isEmpty ? ["its key changed"] : reasons
    }

    /// For a folder input, which files changed, when both manifests can be read.
    private func folderChanges(old: ContentHash, new: ContentHash, path: String) -> String {
        guard old.isFolder, new.isFolder, let before = try? store.readManifest(old),
              let after = try? state.hash(spec.resolve(path)).manifest else { return "" }
        let changes = after.changes(since: before)
        guard !changes.isEmpty else { return "" }
        let shown = changes.prefix(5).joined(separator: ", ")
        return ": \(shown)\(changes.count > 5 ? ", and \(changes.count - 5) more" : "")"
    }

    /// Keeps the manifest of each folder input in the store (a few bytes per file), so that a later `why` can name
    /// the files that changed inside it.
    private func storeInputManifests(_ stage: StageSpec) throws {
        for path in try pipeline.kind(of: stage).identity(of: stage, in: spec).inputs {
            if let manifest = try state.hash(spec.resolve(path)).manifest, !store.hasObject(manifest.hash) {
                try store.storeBytes(manifest.canonicalData, as: manifest.hash)
            }
        }
    }

    /// A record made under this key, with its outputs where this pipeline publishes them. Keys do not hold the
    /// pipeline's name, so another pipeline sharing the store (or a copy of this one under another name) may have
    /// made it, and its files then live under that pipeline's out/ folder: this pipeline restores its own copy, and
    /// its downstream stages read that, never another pipeline's files.
    func localized(_ record: StageRecord, stage: StageSpec) -> StageRecord {
        var record = record
        for declaration in pipeline.outputs[stage.name] ?? [] {
            guard var output = record.outputs[declaration.name] else { continue }
            switch declaration.form {
            case .value: continue
            case .published(let fileName, _): output.path = workspace.publishedPath(stage: stage.name, fileName: fileName)
            case .inPlace(let path): output.path = path
            }
            record.outputs[declaration.name] = output
        }
        return record
    }

    /// Outputs whose workspace copy is missing or differs from the record.
    private func outputsNeedingRestore(_ record: StageRecord) -> [String] {
        record.outputs.keys.sorted().filter { name in
            let output = record.outputs[name]!
            guard let path = output.path, let hash = output.hash else { return false }
            return (try? state.hash(spec.resolve(path)).hash) != hash
        }
    }

    // MARK: - Running

    /// A finished run: each stage's outcome in run order.
    public struct Summary: Sendable {
        public var outcomes: [(stage: String, outcome: Outcome)]
        public var error: Error?
    }

    public func run(_ options: Options) -> Summary {
        let (order, forced) = scope(options)
        var records: [String: StageRecord] = [:]
        var outcomes: [(String, Outcome)] = []
        var failure: Error?
        defer { state.save() }

        let maintenance: StoreLock
        do {
            maintenance = try store.maintenanceLock(.shared) { display.line("waiting for `dbrun cache gc` to finish…") }
        } catch {
            return Summary(outcomes: [], error: error)
        }
        defer { withExtendedLifetime(maintenance) {} }

        for (index, name) in order.enumerated() {
            if failure != nil {
                outcomes.append((name, .skipped))
                continue
            }
            let stage = spec.stage(name)!
            let prefix = "[\(index + 1)/\(order.count)]"
            let started = Date()
            do {
                let (record, outcome) = try bringUpToDate(stage, records: records, force: forced.contains(name),
                                                           prefix: prefix, options: options)
                records[name] = record
                outcomes.append((name, outcome))
                display.clearStatus()
                let seconds = Date().timeIntervalSince(started)
                var text = "\(prefix) \(name): \(Self.describe(outcome))"
                if outcome == .ran {
                    text += String(format: " in %.1fs", seconds)
                    if let figures = record.figures, !figures.isEmpty { text += " (\(StageRecord.describe(figures: figures)))" }
                }
                display.line(text)
            } catch {
                display.clearStatus()
                let interrupted = Self.isInterruption(error)
                outcomes.append((name, interrupted ? .interrupted : .failed))
                display.line("\(prefix) \(name): \(interrupted ? "interrupted; no record was written" : "failed")")
                failure = interrupted ? PipelineError.interrupted : error
            }
        }
        return Summary(outcomes: outcomes, error: failure)
    }

    /// Ctrl-C, and stages built on Swift concurrency's cancellation (the samplers), which stop with CancellationError.
    static func isInterruption(_ error: Error) -> Bool {
        (error as? PipelineError)?.category == .interrupted || error is CancellationError
    }

    static func describe(_ outcome: Outcome) -> String {
        switch outcome {
        case .ran: "ran"
        case .cached: "up to date"
        case .restored: "restored from the cache"
        case .failed: "failed"
        case .skipped: "skipped"
        case .interrupted: "interrupted"
        }
    }

    /// Looks the stage up under the lock of its key; restores or runs it.
    private func bringUpToDate(_ stage: StageSpec, records: [String: StageRecord], force: Bool, prefix: String,
                               options: Options) throws -> (StageRecord, Outcome) {
        let key = try key(for: stage, upstream: records)
        let lock = try store.lock(key: key.value, interruption: interruption) {
            display.line("\(prefix) \(stage.name): waiting for another dbrun that is running this stage…")
        }
        defer { withExtendedLifetime(lock) {} }
        if let stopped = store.leftoverCommand(key: key.value).stopIfRunning() {
            display.line("\(prefix) \(stage.name): stopped a command an interrupted dbrun left running (pid \(stopped))")
        }

        if !force, let found = store.record(forKey: key.value) {
            let record = localized(found, stage: stage)
            do {
                let restored = try materialize(record)
                try store.setLast(key.value, pipeline: spec.name, stage: stage.name)
                // Work an unfinished run left before the record came from elsewhere (a pull, a teammate) is moot.
                try? FileSystem.remove(store.resumeFolder(key: key.value))
                return (record, restored ? .restored : .cached)
            } catch let corrupt as CorruptObject {
                display.line("\(prefix) \(stage.name): \(corrupt); running the stage again")
            }
        }
        // --force means from scratch: checkpoints an unfinished run left may come from code that has changed since.
        if force, FileSystem.exists(store.resumeFolder(key: key.value).path) {
            if holdsEarlierWork(key) {
                display.line("\(prefix) \(stage.name): forced, so not resuming: removed an earlier run's work folder")
            }
            try FileSystem.remove(store.resumeFolder(key: key.value))
        }
        display.update(stage: stage.name, "\(prefix) \(stage.name): running")
        let record = try execute(stage, key: key, records: records, prefix: prefix, forced: force, options: options)
        return (record, .ran)
    }

    /// Whether an earlier run of this key that failed, was interrupted or killed left anything in its work folder.
    private func holdsEarlierWork(_ key: CacheKey) -> Bool {
        !((try? FileManager.default.contentsOfDirectory(atPath: store.resumeFolder(key: key.value).path)) ?? []).isEmpty
    }

    /// Puts every file output of a cached record in place; true if anything had to be restored.
    private func materialize(_ record: StageRecord) throws -> Bool {
        // Check all objects first, so a half-missing cache entry reruns the stage instead of half-restoring it.
        for output in record.outputs.values {
            if let hash = output.hash, !store.hasAllObjects(hash) {
                throw CorruptObject(hash: hash, reason: "missing from the cache")
            }
        }
        let stale = outputsNeedingRestore(record)
        for name in stale {
            let output = record.outputs[name]!
            try store.restore(output.hash!, to: spec.resolve(output.path!), state: state)
        }
        return !stale.isEmpty
    }

    private func execute(_ stage: StageSpec, key: CacheKey, records: [String: StageRecord], prefix: String,
                         forced: Bool, options: Options) throws -> StageRecord {
        let kind = pipeline.kind(of: stage)
        let declarations = pipeline.outputs[stage.name] ?? []
        let scratch = workspace.scratchFolder.appendingPathComponent("\(stage.name)-\(UUID().uuidString)")
        try FileSystem.createDirectory(scratch)
        defer { try? FileSystem.remove(scratch) }

        var outputURLs: [String: URL] = [:]
        for declaration in declarations {
            switch declaration.form {
            case .value: break
            case .published(let fileName, _): outputURLs[declaration.name] = scratch.appendingPathComponent(fileName)
            case .inPlace(let path): outputURLs[declaration.name] = spec.resolve(path)
            }
        }
        let ancestors = pipeline.graph.closure(of: [stage.name]).filter { $0 != stage.name }
        let upstreamRecords = records.filter { ancestors.contains($0.key) }
        var upstreamValues: [Reference: PlainValue] = [:]
        for ref in stage.references {
            upstreamValues[ref] = records[ref.stage]?.outputs[ref.output]?.referenceValue ?? .null
        }
        // An earlier run of this key that failed, was interrupted or killed may have left checkpoints here.
        let resumeFolder = store.resumeFolder(key: key.value)
        let resuming = holdsEarlierWork(key)
        let progress = StageProgress(display: display, prefix: prefix, stage: stage.name,
                                     logURL: workspace.logFile(stage: stage.name))
        progress.logRunStart(key: key.value, resuming: resuming)
        if resuming { display.line("\(prefix) \(stage.name): resuming from an earlier run's work folder") }
        let job = StageJob(stage: stage, pipeline: spec, key: key.value, scratch: scratch, resumeFolder: resumeFolder,
                           isResuming: resuming, isForced: forced, seed: spec.seed, threads: options.threads, progress: progress,
                           upstreamValues: upstreamValues, upstreamRecords: upstreamRecords, outputURLs: outputURLs,
                           leftover: store.leftoverCommand(key: key.value), interruption: interruption, store: store, hashes: state)
        let started = Date()
        progress.startElapsedTicker()
        defer { progress.finish() }
        do {
            try storeInputManifests(stage)
            let values = try kind.run(job)
            try job.checkCancellation()
            let record = try storeAndPublish(stage, key: key, job: job, values: values, declarations: declarations,
                                             outputURLs: outputURLs, started: started, options: options)
            // Only now is the work folder's content no longer needed: the record stands for the result.
            try? FileSystem.remove(resumeFolder)
            var end = String(format: "finished in %.1fs", Date().timeIntervalSince(started))
            if let figures = record.figures { end += " (\(StageRecord.describe(figures: figures)))" }
            progress.logRunEnd(end)
            return record
        } catch {
            let kept = FileSystem.exists(resumeFolder.path) ? "; its work folder is kept for a rerun" : ""
            let reason = (error as? PipelineError)?.message ?? "\(error)"
            progress.logRunEnd(Self.isInterruption(error) ? "interrupted\(kept)" : "failed: \(reason)\(kept)")
            throw error
        }
    }

    /// Stores every output, then writes the record, then publishes: a crash before the record leaves no cache entry.
    private func storeAndPublish(_ stage: StageSpec, key: CacheKey, job: StageJob, values: [String: PlainValue],
                                 declarations: [OutputDeclaration], outputURLs: [String: URL], started: Date,
                                 options: Options) throws -> StageRecord {
        var outputs: [String: StageRecord.OutputRecord] = [:]
        var publications: [(from: URL, to: URL, hash: ContentHash, manifest: FolderManifest?)] = []
        for declaration in declarations {
            switch declaration.form {
            case .value:
                guard let value = values[declaration.name] else {
                    throw PipelineError.failed("stage '\(stage.name)' did not produce its output '\(declaration.name)'")
                }
                outputs[declaration.name] = .init(kind: .value, path: nil, hash: nil, value: value)
            case .published(let fileName, let isFolder):
                let url = outputURLs[declaration.name]!
                guard let st = FileSystem.stat(url.path), st.isDirectory == isFolder else {
                    throw PipelineError.failed("stage '\(stage.name)' did not write its \(isFolder ? "folder" : "file") '\(fileName)'")
                }
                let (hash, manifest) = try store.store(url, state: state)
                let path = workspace.publishedPath(stage: stage.name, fileName: fileName)
                outputs[declaration.name] = .init(kind: isFolder ? .folder : .file, path: path, hash: hash, value: nil)
                publications.append((url, spec.resolve(path), hash, manifest))
            case .inPlace(let path):
                let hash = try store.store(spec.resolve(path), state: state).hash
                outputs[declaration.name] = .init(kind: hash.isFolder ? .folder : .file, path: path, hash: hash, value: nil)
            }
        }
        let formatter = ISO8601DateFormatter()
        let record = StageRecord(
            format: StageRecord.currentFormat, key: key.value, parts: key.parts, pipeline: spec.name, stage: stage.name,
            outputs: outputs,
            run: .init(finishedAt: formatter.string(from: Date()), seconds: Date().timeIntervalSince(started),
                       threads: options.threads, kernel: options.kernel, dbrunVersion: version),
            figures: job.figures.isEmpty ? nil : job.figures)
        try store.write(record)
        try store.setLast(key.value, pipeline: spec.name, stage: stage.name)
        for publication in publications {
            try FileSystem.moveReplacing(publication.from, publication.to)
            // A rename keeps contents: tell the state the new paths rather than reading the files again.
            if let manifest = publication.manifest {
                for (relative, hash) in manifest.files { state.remember(publication.to.appendingPathComponent(relative).path, hash: hash) }
            } else {
                state.remember(publication.to.path, hash: publication.hash)
            }
        }
        return record
    }
}
