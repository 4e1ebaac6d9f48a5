import Foundation
import Testing
import TestSupport
@testable import Pipeline

/// What training stages rely on: a resume folder that survives an unfinished run and goes once the record is
/// written, a log that keeps every run's lines, figures kept in the record, and gc that sweeps only abandoned work.
@Suite(.serialized) struct LongStageContractTests {
    /// How the test kind behaves on its next run.
    final class Script: @unchecked Sendable {
        enum Ending { case fail, interrupt, succeed }
        private let lock = NSLock()
        private var _ending: Ending = .succeed
        private var _seen: [(key: String, resuming: Bool, files: [String])] = []
        var ending: Ending {
            get { lock.lock(); defer { lock.unlock() }; return _ending }
            set { lock.lock(); _ending = newValue; lock.unlock() }
        }
        var seen: [(key: String, resuming: Bool, files: [String])] { lock.lock(); defer { lock.unlock() }; return _seen }
        func saw(_ key: String, _ resuming: Bool, _ files: [String]) { lock.lock(); _seen.append((key, resuming, files)); lock.unlock() }
    }

    /// A training loop in miniature: checkpoints step 1 into its resume folder, then fails or goes on from there.
    struct CheckpointKind: StageKind {
        let name = "checkpoint"
        let version = 1
        let usesSeed = false
        let script: Script

        func declareOutputs(of stage: StageSpec, in pipeline: PipelineSpec) throws -> [OutputDeclaration] {
            [.init(name: "model", form: .published(fileName: "model.txt", isFolder: false))]
        }

        func identity(of stage: StageSpec, in pipeline: PipelineSpec) throws -> StageIdentity {
            StageIdentity(parameters: stage.with.plain, inputs: [])
        }

        func run(_ job: StageJob) throws -> [String: PlainValue] {
            let folder = job.resumeFolder
            let checkpoint = folder.appendingPathComponent("step-1.txt")
            script.saw(job.key, job.isResuming, (try? FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()) ?? [])
            var start = 0
            if let saved = try? String(contentsOf: checkpoint, encoding: .utf8) {
                start = 1
                job.progress.line("loaded \(saved)")
                job.progress.resume(fromStep: start)
            } else {
                job.progress.step(1, of: 2, metrics: ["loss": 0.5], unit: "img", itemsPerStep: 4)
                try Data("checkpoint at step 1".utf8).write(to: checkpoint)
                job.progress.line("first run wrote a checkpoint")
            }
            switch script.ending {
            case .fail: throw PipelineError.failed("out of memory at step 2")
            case .interrupt: throw CancellationError()
            case .succeed: break
            }
            job.progress.step(2, of: 2, metrics: ["loss": 0.0123], unit: "img", itemsPerStep: 4)
            job.progress.status("saving the model", log: false)
            job.report(figure: "final_loss", .double(0.0123))
            job.report(figure: "steps", .int(2))
            job.report(figure: "resumed_at", .int(start))
            try Data("model".utf8).write(to: job.outputURL("model"))
            return [:]
        }
    }

    /// The shipped schema, with the test kind added to the `kind` enum.
    static let schema = TestKindSchema.adding(["checkpoint"])

    static let yaml = """
    version: 1
    name: long
    stages:
      hello:
        kind: command
        cmd: echo hello > hello.txt && echo "words=2" >> "$DBRUN_FIGURES" && echo "greeting=hello world" >> "$DBRUN_FIGURES"
        outs: [hello.txt]
      train:
        kind: checkpoint
        with: { steps: 2 }
    """

    func runner(_ folder: TemporaryFolder, _ script: Script) throws -> Runner {
        let file = try folder.write("p.yaml", Self.yaml)
        var kinds = StageKindRegistry.builtIn
        kinds.register(CheckpointKind(script: script))
        let loaded = try PipelineLoader.load(file: file.path, kinds: kinds, schema: Self.schema)
        return Runner(pipeline: loaded, store: Store(root: folder.url.appendingPathComponent(".dbrun")),
                      display: ProgressDisplay(quiet: true), dbrunVersion: "test")
    }

    func exists(_ url: URL) -> Bool { FileManager.default.fileExists(atPath: url.path) }

    @Test func failedRunLeavesItsWorkForTheNextRunWhichRemovesItOnceRecorded() throws {
        let folder = try TemporaryFolder()
        let script = Script()
        script.ending = .fail
        let first = try runner(folder, script).run(Runner.Options())
        #expect(first.outcomes.map(\.outcome) == [.ran, .failed])
        let key = try #require(script.seen.first?.key)
        #expect(key.count == 64)
        let store = Store(root: folder.url.appendingPathComponent(".dbrun"))
        #expect(store.resumeFolder(key: key).path == folder.url.appendingPathComponent(".dbrun/resume/\(key)").standardizedFileURL.path)
        #expect(exists(store.resumeFolder(key: key).appendingPathComponent("step-1.txt")))
        #expect(store.record(forKey: key) == nil, "a failed run writes no record")
        #expect(script.seen[0].resuming == false && script.seen[0].files.isEmpty)
        #expect(try runner(folder, script).plan(Runner.Options())[1].reasons
                == ["never run (no record for this stage in the cache)", "an unfinished run left its work folder: this run resumes from it"])

        script.ending = .succeed
        let second = try runner(folder, script).run(Runner.Options())
        #expect(second.outcomes.map(\.outcome) == [.cached, .ran])
        #expect(script.seen.count == 2)
        #expect(script.seen[1].key == key, "same parameters, same key")
        #expect(script.seen[1].resuming && script.seen[1].files == ["step-1.txt"])
        #expect(store.record(forKey: key)?.figures?["resumed_at"] == .int(1))
        #expect(!exists(store.resumeFolder(key: key)), "the work folder goes once the record is written")
        #expect(folder.read("out/long/train/model.txt") == "model")

        // The log holds both runs, each opened by a separator line and closed by how it ended.
        let log = try #require(folder.read(".dbrun/logs/long/train.log"))
        let lines = log.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let starts = lines.filter { $0.hasPrefix("==== ") && $0.contains("run of train, key \(key.prefix(12))") }
        #expect(starts.count == 2, "\(log)")
        #expect(starts.first?.contains("resuming") == false)
        #expect(starts.last?.hasSuffix(", resuming from an earlier run's work folder") == true)
        #expect(log.contains("first run wrote a checkpoint"))
        #expect(log.contains("failed: ") && log.contains("out of memory at step 2") && log.contains("work folder is kept"))
        #expect(log.contains("loaded checkpoint at step 1"))
        #expect(log.contains("step 2/2  loss 0.0123"))
        #expect(!log.contains("saving the model"), "status(_:log: false) is not logged")
        #expect(lines.last(where: { !$0.isEmpty })?.contains("finished in ") == true)

        // A third run is a cache hit: nothing runs, nothing more is logged.
        let third = try runner(folder, script).run(Runner.Options())
        #expect(third.outcomes.map(\.outcome) == [.cached, .cached])
        #expect(folder.read(".dbrun/logs/long/train.log") == log)
    }

    /// --force starts over: an unfinished run's checkpoints may come from code that has changed since.
    @Test func forcedRunDiscardsAnUnfinishedRunsWorkFolder() throws {
        let folder = try TemporaryFolder()
        let script = Script()
        script.ending = .fail
        _ = try runner(folder, script).run(Runner.Options())
        let key = try #require(script.seen.first?.key)
        let store = Store(root: folder.url.appendingPathComponent(".dbrun"))
        #expect(exists(store.resumeFolder(key: key).appendingPathComponent("step-1.txt")))

        script.ending = .succeed
        var options = Runner.Options()
        options.force = true
        options.targets = ["train"]
        let forced = try runner(folder, script).run(options)
        #expect(forced.outcomes.last?.outcome == .ran)
        #expect(script.seen.count == 2 && script.seen[1].key == key)
        #expect(!script.seen[1].resuming && script.seen[1].files.isEmpty, "a forced run does not resume")
        #expect(store.record(forKey: key)?.figures?["resumed_at"] == .int(0))
    }

    @Test func figuresAreKeptInTheRecordButNotInTheKey() throws {
        let folder = try TemporaryFolder()
        let script = Script()
        let runner = try runner(folder, script)
        #expect(runner.run(Runner.Options()).error == nil)
        let key = try #require(script.seen.first?.key)
        let record = try #require(runner.store.record(forKey: key))
        #expect(record.figures == ["final_loss": .double(0.0123), "steps": .int(2), "resumed_at": .int(0)])
        #expect(record.parts.canonicalJSON.contains("final_loss") == false)
        // The command kind reads name=value lines from $DBRUN_FIGURES.
        let hello = try #require(runner.store.lastRecord(pipeline: "long", stage: "hello"))
        #expect(hello.figures == ["words": .int(2), "greeting": .string("hello world")])

        // Through the record file and back.
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(record)
        let back = try JSONDecoder().decode(StageRecord.self, from: data)
        #expect(back.figures == record.figures)
        // A record written before figures existed still loads, with none.
        var old = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        old.removeValue(forKey: "figures")
        let oldRecord = try JSONDecoder().decode(StageRecord.self, from: JSONSerialization.data(withJSONObject: old))
        #expect(oldRecord.figures == nil && oldRecord.key == key)

        // Up-to-date stages carry their record's figures into the plan (what `dbrun status` prints).
        let plan = try runner.plan(Runner.Options())
        #expect(plan.map(\.action) == [.upToDate, .upToDate])
        #expect(plan[1].figures["final_loss"] == .double(0.0123))
        #expect(plan[0].figures["words"] == .int(2))

        // A work folder left for a key that has a record (pulled from elsewhere) goes at the next cache hit.
        try FileManager.default.createDirectory(at: runner.store.resumeFolder(key: key), withIntermediateDirectories: true)
        #expect(runner.run(Runner.Options()).outcomes.map(\.outcome) == [.cached, .cached])
        #expect(!exists(runner.store.resumeFolder(key: key)))
    }

    @Test func figuresReadCompactly() {
        #expect(StageRecord.describe(figures: ["steps": .int(2000), "final_loss": .double(0.012345), "seconds": .double(3600),
                                               "note": .string("two words"), "kernel": .string("Haswell"), "done": .bool(true)])
                == "done=true final_loss=0.01235 kernel=Haswell note=\"two words\" seconds=3600 steps=2000")
        #expect(StageRecord.describe(figures: ["tiny": .double(1.5e-7), "empty": .string(""), "none": .null])
                == "empty=\"\" none=null tiny=1.5e-07")
        #expect(StageRecord.describe(figures: [:]) == "")
    }

    @Test func commandFiguresSkipCommentsAndReportBadLines() {
        var problems: [String] = []
        let found = CommandKind.figures(in: "# header\nloss = 0.25\n\nsteps=10\nnot a figure\n=3\nname=a=b\n") { problems.append($0) }
        #expect(found.map(\.0) == ["loss", "steps", "name"])
        #expect(found.map(\.1) == [.double(0.25), .int(10), .string("a=b")])
        #expect(problems == ["line 5 is not name=value: not a figure", "line 6 is not name=value: =3"])
    }

    @Test func interruptedRunKeepsItsWorkFolderWhichIsNeverPushed() throws {
        let folder = try TemporaryFolder()
        let script = Script()
        script.ending = .interrupt
        let summary = try runner(folder, script).run(Runner.Options())
        #expect(summary.outcomes.map(\.outcome) == [.ran, .interrupted])
        let key = try #require(script.seen.first?.key)
        let store = Store(root: folder.url.appendingPathComponent(".dbrun"))
        #expect(exists(store.resumeFolder(key: key).appendingPathComponent("step-1.txt")))
        #expect(folder.read(".dbrun/logs/long/train.log")?.contains("interrupted; its work folder is kept for a rerun") == true)

        // Push copies records and objects only: the work folder stays behind, and lies outside what is copied.
        let shared = try TemporaryFolder()
        let report = try store.transfer(to: Store(root: shared.url))
        #expect(report.records == 1)
        #expect(!exists(shared.url.appendingPathComponent("resume")))
        for copied in [store.records, store.objects, store.index] {
            #expect(!store.resumeFolder(key: key).path.hasPrefix(copied.path + "/"))
        }
    }

    @Test func gcSweepsAbandonedWorkFoldersButNotOnesInUse() throws {
        let folder = try TemporaryFolder()
        let store = Store(root: folder.url.appendingPathComponent(".dbrun"))
        let abandoned = String(repeating: "a", count: 64), running = String(repeating: "b", count: 64)
        for key in [abandoned, running] {
            try FileManager.default.createDirectory(at: store.resumeFolder(key: key).appendingPathComponent("sub"),
                                                    withIntermediateDirectories: true)
            try Data("0123456789".utf8).write(to: store.resumeFolder(key: key).appendingPathComponent("sub/ckpt"))
        }
        var lock: StoreLock? = try store.lock(key: running) {}
        // A lock file no one holds (a finished run's) goes too.
        _ = try store.lock(key: String(repeating: "c", count: 64)) {}

        let report = try store.collectGarbage()
        #expect(report.resumeFolders == 1 && report.resumeBytes == 10 && report.resumeFoldersInUse == 1)
        #expect(!exists(store.resumeFolder(key: abandoned)))
        #expect(exists(store.resumeFolder(key: running).appendingPathComponent("sub/ckpt")))
        #expect(exists(store.lockURL(key: running)), "the lock a running stage holds is left alone")
        #expect(!exists(store.lockURL(key: abandoned)) && !exists(store.lockURL(key: String(repeating: "c", count: 64))))

        withExtendedLifetime(lock) {}
        lock = nil
        let later = try store.collectGarbage()
        #expect(later.resumeFolders == 1 && later.resumeFoldersInUse == 0)
        #expect(!exists(store.resume) && !exists(store.locks))
    }
}
