import Foundation
import Testing
import TestSupport
@testable import Pipeline

/// `${env.NAME}`: a value from the environment at load time, for paths that differ between machines (a model folder
/// on disk). The key holds the reference as written and the content of what it names, never the value itself.
@Suite struct EnvironmentReferenceTests {
    static let pipeline = """
    version: 1
    name: env
    stages:
      read:
        kind: command
        cmd: cat ${env.DBRUN_TEST_DATA}/a.txt > copy.txt && echo ${env.DBRUN_TEST_WORD} >> copy.txt
        deps: ["${env.DBRUN_TEST_DATA}"]
        outs: [copy.txt]
    """

    func load(_ folder: TemporaryFolder, _ environment: [String: String]) throws -> LoadedPipeline {
        try PipelineLoader.load(file: folder.url.appendingPathComponent("p.yaml").path, environment: environment)
    }

    func key(_ folder: TemporaryFolder, _ environment: [String: String]) throws -> CacheKey {
        let loaded = try load(folder, environment)
        let runner = Runner(pipeline: loaded, store: Store(root: folder.url.appendingPathComponent(".dbrun")),
                            display: ProgressDisplay(quiet: true), dbrunVersion: "test")
        return try runner.key(for: loaded.spec.stage("read")!, upstream: [:])
    }

    /// A workspace with the pipeline, and two data folders elsewhere with the given contents.
    func workspace(_ first: String = "alpha\n", _ second: String = "alpha\n") throws -> (TemporaryFolder, TemporaryFolder, TemporaryFolder) {
        let folder = try TemporaryFolder(), a = try TemporaryFolder(), b = try TemporaryFolder()
        try folder.write("p.yaml", Self.pipeline)
        try a.write("a.txt", first)
        try b.write("a.txt", second)
        return (folder, a, b)
    }

    @Test func theValueReachesTheStageAndItsInputsByContent() throws {
        let (folder, a, _) = try workspace()
        let loaded = try load(folder, ["DBRUN_TEST_DATA": a.url.path, "DBRUN_TEST_WORD": "hello world"])
        #expect(loaded.graph.upstream["read"] == [])
        let runner = Runner(pipeline: loaded, store: Store(root: folder.url.appendingPathComponent(".dbrun")),
                            display: ProgressDisplay(quiet: true), dbrunVersion: "test")
        let summary = runner.run(Runner.Options())
        #expect(summary.error == nil, "\(String(describing: summary.error))")
        #expect(folder.read("copy.txt") == "alpha\nhello world\n")
    }

    @Test func keysHoldContentNotTheValue() throws {
        let (folder, a, b) = try workspace()
        let here = try key(folder, ["DBRUN_TEST_DATA": a.url.path, "DBRUN_TEST_WORD": "w"])
        let there = try key(folder, ["DBRUN_TEST_DATA": b.url.path, "DBRUN_TEST_WORD": "w"])
        #expect(here == there, "the same files in another place must give the same key")
        #expect(!here.parts.canonicalJSON.contains(a.url.path))
        try b.write("a.txt", "beta\n")
        #expect(try key(folder, ["DBRUN_TEST_DATA": b.url.path, "DBRUN_TEST_WORD": "w"]) != here)
    }

    @Test func anUnsetVariableIsNamedAtItsLine() throws {
        let (folder, a, _) = try workspace()
        do {
            _ = try load(folder, ["DBRUN_TEST_DATA": a.url.path])
            Issue.record("loaded without DBRUN_TEST_WORD")
        } catch let errors as PipelineErrors {
            let text = "\(errors)"
            #expect(text.contains("p.yaml:6:") && text.contains("environment variable DBRUN_TEST_WORD is not set"), "\(text)")
        }
    }

    @Test func noStageMayBeNamedEnv() throws {
        let folder = try TemporaryFolder()
        try folder.write("p.yaml", "version: 1\nstages:\n  env:\n    kind: command\n    cmd: 'true'\n")
        #expect(throws: PipelineErrors.self) { try load(folder, [:]) }
    }
}
