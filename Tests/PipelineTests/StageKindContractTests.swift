import Foundation
import Testing
import TestSupport
@testable import Pipeline

/// What built-in kinds (the DreamBooth ones) rely on: value outputs, published files and folders, seeds in keys,
/// references resolved for downstream stages, and shell-quoting where a command reads a value.
@Suite(.serialized) struct StageKindContractTests {
    /// A kind that publishes a folder and a file and returns a value chosen from its parameter and the seed.
    struct EmitKind: StageKind {
        let name = "emit"
        let version = 1
        let usesSeed = true
        let runs = Counter()
        /// Stop the way a sampler does when cancelled, after writing part of an output.
        var throwsCancellation = false

        func declareOutputs(of stage: StageSpec, in pipeline: PipelineSpec) throws -> [OutputDeclaration] {
            [.init(name: "token", form: .value), .init(name: "images", form: .published(fileName: "images", isFolder: true)),
             .init(name: "grid", form: .published(fileName: "grid.txt", isFolder: false))]
        }

        func identity(of stage: StageSpec, in pipeline: PipelineSpec) throws -> StageIdentity {
            StageIdentity(parameters: stage.with.plain, inputs: [])
        }

        func run(_ job: StageJob) throws -> [String: PlainValue] {
            runs.add()
            let images = job.outputURL("images")
            try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
            for i in 0..<3 { try Data("image \(i) seed \(job.seed)".utf8).write(to: images.appendingPathComponent("\(i).png")) }
            try Data("grid".utf8).write(to: job.outputURL("grid"))
            if throwsCancellation { throw CancellationError() }
            for step in 1...3 {
                try job.checkCancellation()
                job.progress.step(step, of: 3, metrics: ["loss": 1 / Double(step)])
            }
            return ["token": .string(job.render(job.stage.with["word"]!) + " $(echo INJECTED); `x`")]
        }
    }

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var n = 0
        func add() { lock.lock(); n += 1; lock.unlock() }
        var value: Int { lock.lock(); defer { lock.unlock() }; return n }
    }

    /// The shipped schema, extended with the test kind.
    static let schema = TestKindSchema.adding(["emit"], requiringWith: true)

    static let yaml = """
    version: 1
    name: contract
    seed: 7
    stages:
      pick:
        kind: emit
        with: { word: sks }
      use:
        kind: command
        cmd: echo ${pick.token} > token.txt && ls ${pick.images} > listing.txt && cat ${pick.grid} > grid-copy.txt
        outs: [token.txt, listing.txt, grid-copy.txt]
    """

    func runner(_ folder: TemporaryFolder, kind: EmitKind, yaml: String = yaml) throws -> Runner {
        let file = try folder.write("p.yaml", yaml)
        var kinds = StageKindRegistry.builtIn
        kinds.register(kind)
        let loaded = try PipelineLoader.load(file: file.path, kinds: kinds, schema: Self.schema)
        return Runner(pipeline: loaded, store: Store(root: folder.url.appendingPathComponent(".dbrun")),
                      display: ProgressDisplay(quiet: true), dbrunVersion: "test")
    }

    @Test func valuesAndPublishedOutputsFlowDownstream() throws {
        let folder = try TemporaryFolder()
        let kind = EmitKind()
        let summary = try runner(folder, kind: kind).run(Runner.Options())
        #expect(summary.error == nil)
        #expect(summary.outcomes.map(\.outcome) == [.ran, .ran])
        // The value reached the shell as one quoted word, unexpanded.
        #expect(folder.read("token.txt") == "sks $(echo INJECTED); `x`\n")
        #expect(folder.read("listing.txt") == "0.png\n1.png\n2.png\n")
        #expect(folder.read("grid-copy.txt") == "grid")
        #expect(folder.read("out/contract/pick/images/1.png") == "image 1 seed 7")
        let scratch = (try? FileManager.default.contentsOfDirectory(atPath: folder.url.appendingPathComponent(".dbrun/scratch").path)) ?? []
        #expect(scratch.isEmpty, "scratch folders are removed")

        // Cached: nothing runs; a deleted published output comes back from the store.
        try FileManager.default.removeItem(at: folder.url.appendingPathComponent("out/contract/pick/images"))
        let again = try runner(folder, kind: kind).run(Runner.Options())
        #expect(again.outcomes.map(\.outcome) == [.restored, .cached])
        #expect(kind.runs.value == 1)
        #expect(folder.read("out/contract/pick/images/2.png") == "image 2 seed 7")
    }

    @Test func seedIsInTheKeyOfKindsThatUseIt() throws {
        let folder = try TemporaryFolder()
        let kind = EmitKind()
        _ = try runner(folder, kind: kind).run(Runner.Options())
        let reseeded = try runner(folder, kind: kind, yaml: Self.yaml.replacingOccurrences(of: "seed: 7", with: "seed: 8"))
        let plan = try reseeded.plan(Runner.Options())
        #expect(plan.map(\.action) == [.run, .run])
        #expect(plan[0].reasons == ["seed: 7 → 8"])
        // The command stage does not use the seed, but reads pick's new outputs.
        #expect(plan[1].reasons.first?.contains("after 'pick'") == true)
    }

    @Test func interruptedStageLeavesNoRecord() throws {
        let folder = try TemporaryFolder()
        // A flag of this runner's own: the process's is shared with every test running beside this one.
        let runner = try runner(folder, kind: EmitKind())
        runner.interruption = Interruption()
        runner.interruption.request()
        let summary = runner.run(Runner.Options())
        #expect(summary.outcomes.first?.outcome == .interrupted)
        #expect((summary.error as? PipelineError)?.category == .interrupted)
        runner.interruption.reset()
        let plan = try runner.plan(Runner.Options())
        #expect(plan.first?.reasons == ["never run (no record for this stage in the cache)"])
    }

    @Test func cancellationErrorIsAnInterruption() throws {
        let folder = try TemporaryFolder()
        var kind = EmitKind()
        kind.throwsCancellation = true
        let summary = try runner(folder, kind: kind).run(Runner.Options())
        #expect(summary.outcomes.map(\.outcome) == [.interrupted, .skipped])
        #expect((summary.error as? PipelineError)?.category == .interrupted)
        #expect(!FileManager.default.fileExists(atPath: folder.url.appendingPathComponent("out/contract/pick/grid.txt").path))
        let plan = try runner(folder, kind: EmitKind()).plan(Runner.Options())
        #expect(plan.first?.reasons == ["never run (no record for this stage in the cache)"])
    }

    @Test func shellQuoting() {
        #expect(Subprocess.shellQuote("plain/path.txt") == "plain/path.txt")
        #expect(Subprocess.shellQuote("a b") == "'a b'")
        #expect(Subprocess.shellQuote("it's") == "'it'\\''s'")
        #expect(Subprocess.shellQuote("") == "''")
        #expect(Subprocess.shellQuote("$HOME") == "'$HOME'")
    }
}
