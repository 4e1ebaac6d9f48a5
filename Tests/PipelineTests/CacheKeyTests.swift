import Foundation
import Testing
import TestSupport
@testable import Pipeline

/// The key contract: same key on any machine and path; a different key when anything that matters changes.
@Suite struct CacheKeyTests {
    static let pipeline = """
    version: 1
    name: keys
    stages:
      prepare:
        kind: command
        cmd: cat data/a.txt > prepared.txt
        deps: [data]
        params: { size: 64 }
        outs: [prepared.txt]
      train:
        kind: command
        cmd: cat ${prepare.prepared.txt} > model.txt
        outs: [model.txt]
    """

    /// A workspace with the pipeline and its input folder.
    func workspace(_ yaml: String = pipeline) throws -> TemporaryFolder {
        let folder = try TemporaryFolder()
        try folder.write("p.yaml", yaml)
        try folder.write("data/a.txt", "alpha\n")
        try folder.write("data/sub/b.txt", "beta\n")
        return folder
    }

    func key(_ folder: TemporaryFolder, stage: String = "prepare", kinds: StageKindRegistry = .builtIn,
             upstream: [String: StageRecord] = [:]) throws -> CacheKey {
        let loaded = try PipelineLoader.load(file: folder.url.appendingPathComponent("p.yaml").path, kinds: kinds)
        let runner = Runner(pipeline: loaded, store: Store(root: folder.url.appendingPathComponent(".dbrun")),
                            display: ProgressDisplay(quiet: true), dbrunVersion: "test")
        return try runner.key(for: loaded.spec.stage(stage)!, upstream: upstream)
    }

    @Test func sameKeyFromAnotherAbsolutePath() throws {
        let a = try workspace(), b = try workspace()
        #expect(a.url.path != b.url.path)
        #expect(try key(a) == key(b))
        let text = try key(a).parts.canonicalJSON
        #expect(!text.contains(a.url.path), "the key must not hold absolute paths")
    }

    @Test func keyChangesWithAnyInputByte() throws {
        let folder = try workspace()
        let before = try key(folder)
        try folder.write("data/sub/b.txt", "betA\n")
        let after = try key(folder)
        #expect(before != after)
        // Same bytes back: same key again (content, not mtime).
        try folder.write("data/sub/b.txt", "beta\n")
        #expect(try key(folder) == before)
    }

    @Test func keyChangesWithParametersAndCommand() throws {
        let base = try key(try workspace())
        #expect(try key(try workspace(Self.pipeline.replacingOccurrences(of: "size: 64", with: "size: 65"))) != base)
        #expect(try key(try workspace(Self.pipeline.replacingOccurrences(of: "size: 64", with: "size: \"64\""))) != base)
        #expect(try key(try workspace(Self.pipeline.replacingOccurrences(of: "cat data/a.txt", with: "cat  data/a.txt"))) != base)
        // Comments and formatting do not matter.
        #expect(try key(try workspace("# a comment\n" + Self.pipeline.replacingOccurrences(of: "{ size: 64 }", with: "{size: 64}"))) == base)
    }

    @Test func keyChangesWithKindVersion() throws {
        struct NewerCommand: StageKind {
            let inner = CommandKind()
            var name: String { inner.name }
            let version = 2
            var usesSeed: Bool { false }
            func declareOutputs(of stage: StageSpec, in pipeline: PipelineSpec) throws -> [OutputDeclaration] {
                try inner.declareOutputs(of: stage, in: pipeline)
            }
            func identity(of stage: StageSpec, in pipeline: PipelineSpec) throws -> StageIdentity {
                try inner.identity(of: stage, in: pipeline)
            }
            func run(_ job: StageJob) throws -> [String: PlainValue] { try inner.run(job) }
        }
        let folder = try workspace()
        #expect(try key(folder) != key(folder, kinds: StageKindRegistry([NewerCommand()])))
    }

    @Test func keyChangesWithUpstreamOutput() throws {
        let folder = try workspace()
        func record(_ hash: String) -> StageRecord {
            StageRecord(format: 1, key: "k", parts: .null, pipeline: "keys", stage: "prepare",
                        outputs: ["prepared.txt": .init(kind: .file, path: "prepared.txt", hash: ContentHash(hash), value: nil)],
                        run: .init(finishedAt: "", seconds: 0, threads: 1, dbrunVersion: "test"))
        }
        let one = try key(folder, stage: "train", upstream: ["prepare": record(String(repeating: "a", count: 64))])
        let two = try key(folder, stage: "train", upstream: ["prepare": record(String(repeating: "b", count: 64))])
        #expect(one != two)
        // Where the upstream output lives is not part of the key; its content is.
        var moved = record(String(repeating: "a", count: 64))
        moved.outputs["prepared.txt"]!.path = "elsewhere/prepared.txt"
        #expect(try key(folder, stage: "train", upstream: ["prepare": moved]) == one)
    }

    @Test func canonicalJSONIsOrderIndependentAndExact() {
        let a: PlainValue = .object(["b": .int(1), "a": .array([.double(0.5), .string("x\"y\n"), .bool(true), .null])])
        let b: PlainValue = .object(["a": .array([.double(0.5), .string("x\"y\n"), .bool(true), .null]), "b": .int(1)])
        #expect(a.canonicalJSON == #"{"a":[0.5,"x\"y\n",true,null],"b":1}"#)
        #expect(a.canonicalJSON == b.canonicalJSON)
        #expect(PlainValue.double(2).canonicalJSON == "2.0")
        #expect(PlainValue.int(2).canonicalJSON == "2")
        #expect(PlainValue.string("é").canonicalJSON == "\"é\"")
    }
}
