import Foundation
import Testing
import TestSupport
@testable import Pipeline

/// `--set PATH=VALUE`: a value of the pipeline file replaced or added before it is checked, typed as YAML, checked
/// by the schema like the file's own values, every problem naming the option.
@Suite struct SpecOverrideTests {
    static let pipeline = """
    version: 1
    name: set
    seed: 0
    stages:
      greet:
        kind: command
        cmd: echo "$DBRUN_PARAM_WORD" > word.txt
        params: { word: hello }
        outs: [word.txt]
    """

    func load(_ options: [String]) throws -> (LoadedPipeline, TemporaryFolder) {
        let folder = try TemporaryFolder()
        try folder.write("p.yaml", Self.pipeline)
        let loaded = try PipelineLoader.load(file: folder.url.appendingPathComponent("p.yaml").path,
                                             overrides: options.map(SpecOverride.init(parsing:)))
        return (loaded, folder)
    }

    func key(_ loaded: LoadedPipeline, _ folder: TemporaryFolder) throws -> CacheKey {
        let runner = Runner(pipeline: loaded, store: Store(root: folder.url.appendingPathComponent(".dbrun")),
                            display: ProgressDisplay(quiet: true), dbrunVersion: "test")
        return try runner.key(for: loaded.spec.stage("greet")!, upstream: [:])
    }

    /// The message of the one error loading with `options` gives, with where it points.
    func problem(_ options: [String]) -> String {
        do {
            _ = try load(options)
            return "loaded"
        } catch let error as PipelineError {
            return "\(error.location.map(String.init(describing:)) ?? ""): \(error.message)"
        } catch let errors as PipelineErrors {
            return errors.errors.map { "\($0.location.map(String.init(describing:)) ?? ""): \($0.message)" }.joined(separator: "\n")
        } catch {
            return "\(error)"
        }
    }

    @Test func replacedValuesReachTheSpecAndTheKey() throws {
        let (plain, folder) = try load([])
        let (set, _) = try load(["seed=7", "name=other", "stages.greet.params.word=bonjour"])
        #expect(set.spec.seed == 7 && set.spec.name == "other")
        #expect(set.spec.stage("greet")?.body["params"]?["word"]?.string == "bonjour")
        #expect(try key(set, folder) != key(plain, folder), "a changed parameter must change the stage's key")
        let (same, _) = try load(["stages.greet.params.word=hello"])
        #expect(try key(same, folder) == key(plain, folder), "setting the value the file has changes nothing")
    }

    @Test func valuesAreYAMLAndALaterOneWins() throws {
        let (loaded, _) = try load(["stages.greet.outs=[word.txt, more.txt]", "stages.greet.params.count=3",
                                    "stages.greet.params.on=true", "seed=1", "seed=2"])
        let greet = try #require(loaded.spec.stage("greet"))
        #expect(greet.body["outs"]?.array?.compactMap(\.string) == ["word.txt", "more.txt"])
        #expect(loaded.outputs["greet"]?.map(\.name) == ["word.txt", "more.txt"])
        #expect(greet.body["params"]?["count"]?.int == 3, "a key the file lacks is added, typed as YAML")
        #expect(greet.body["params"]?["on"]?.bool == true)
        #expect(loaded.spec.seed == 2)
    }

    @Test func problemsNameTheOption() {
        #expect(problem(["seed"]) == "--set seed: expected PATH=VALUE")
        #expect(problem(["seed=abc"]).hasPrefix("--set seed=abc: seed must be an integer"))
        #expect(problem(["stages.gret.cmd=x"]) == "--set stages.gret.cmd=x: 'stages' has no key 'gret'")
        #expect(problem(["seed.x=1"]) == "--set seed.x=1: 'seed' is an integer, not a mapping with keys")
        #expect(problem(["stages..cmd=x"]).hasPrefix("--set stages..cmd=x: the path 'stages..cmd' has an empty key"))
        #expect(problem(["stages.greet.colour=red"]).hasPrefix("--set stages.greet.colour=red: unknown key 'colour'"),
                "a key the schema does not know is refused where the option put it")
        #expect(problem(["stages.greet.cmd=[unclosed"]).hasPrefix("--set stages.greet.cmd=[unclosed:"))
        #expect(problem(["stages.greet.cmd=[unclosed"]).contains("YAML syntax"))
    }
}
