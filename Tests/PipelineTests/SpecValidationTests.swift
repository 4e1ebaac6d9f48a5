import Foundation
import Testing
import TestSupport
@testable import Pipeline

/// Validation errors point at the right line and column and suggest the fix.
@Suite struct SpecValidationTests {
    func problems(_ yaml: String) -> [PipelineError] {
        do {
            _ = try load(yaml)
            return []
        } catch let error as PipelineError {
            return [error]
        } catch let errors as PipelineErrors {
            return errors.errors
        } catch {
            Issue.record("unexpected error \(error)")
            return []
        }
    }

    func load(_ yaml: String) throws -> LoadedPipeline {
        let folder = try TemporaryFolder()
        let file = folder.url.appendingPathComponent("p.yaml")
        try Data(yaml.utf8).write(to: file)
        return try PipelineLoader.load(file: file.path)
    }

    @Test func unknownKeySuggestsNearest() {
        let found = problems("""
        version: 1
        stages:
          a:
            kind: command
            cmd: echo hi
            depz: [x]
        """)
        #expect(found.count == 1)
        #expect(found.first?.location?.line == 6)
        #expect(found.first?.location?.column == 5)
        #expect(found.first?.message == "unknown key 'depz' in stages.a")
        #expect(found.first?.hint == "did you mean 'deps'?")
    }

    @Test func unknownKindSuggestsNearest() {
        let found = problems("version: 1\nstages:\n  a:\n    kind: comand\n    cmd: x\n")
        #expect(found.count == 1)
        #expect(found.first.map { "\($0.location!.line):\($0.location!.column)" } == "4:11")
        #expect(found.first?.hint == "did you mean 'command'?")
    }

    @Test func wrongTypeNamesFieldAndValue() {
        let found = problems("version: 1\nstages:\n  a:\n    kind: command\n    cmd: 3\n")
        #expect(found.first?.message == "stages.a.cmd must be a string, not an integer (3)")
        #expect(found.first?.location?.line == 5)
        #expect(found.first?.location?.column == 10)
    }

    @Test func missingRequiredKeys() {
        let found = problems("version: 1\nstages:\n  a:\n    kind: command\n")
        #expect(found.map(\.message) == ["stages.a is missing the required key 'cmd'"])
        #expect(found.first?.location?.line == 4)
        let top = problems("stages:\n  a:\n    kind: command\n    cmd: x\n")
        #expect(top.map(\.message) == ["the pipeline is missing the required key 'version'"])
    }

    @Test func unknownTopLevelKeyAndVersion() {
        let found = problems("version: 2\nstage:\n  a: {}\n")
        #expect(found.contains { $0.message == "version must be 1" && $0.location?.line == 1 })
        #expect(found.contains { $0.message == "unknown key 'stage' in the pipeline" && $0.hint == "did you mean 'stages'?" })
    }

    @Test func badStageName() {
        let found = problems("version: 1\nstages:\n  9lives:\n    kind: command\n    cmd: x\n")
        #expect(found.count == 1)
        #expect(found.first?.location?.line == 3)
        #expect(found.first?.message.contains("key '9lives' in stages") == true)
    }

    @Test func yamlSyntaxErrorHasLineAndColumn() {
        let found = problems("version: 1\nstages:\n  a:\n    kind: command\n   cmd: x\n")
        #expect(found.count == 1)
        #expect(found.first?.location?.line == 5)
        #expect(found.first?.message.hasPrefix("YAML syntax") == true)
    }

    @Test func duplicateStageNamesAreAnError() {
        let found = problems("version: 1\nstages:\n  a:\n    kind: command\n    cmd: x\n  a:\n    kind: command\n    cmd: y\n")
        #expect(found.count == 1)
        #expect(found.first?.message == "duplicate key 'a' in one mapping (first on line 3)")
        // At the second `a`, where the fix is, not at the first or at the mapping.
        #expect(found.first.map { "\($0.location!.line):\($0.location!.column)" } == "6:3")
    }

    @Test func yamlOneOneBooleansStayStrings() throws {
        // `yes`/`no`/`on` are booleans in YAML 1.1 but strings in 1.2's core schema, which a spec wants.
        let loaded = try load("version: 1\nstages:\n  a:\n    kind: command\n    cmd: no\n    params: { x: yes, y: true }\n")
        let stage = loaded.spec.stage("a")!
        #expect(stage.body["cmd"]?.string == "no")
        #expect(stage.body["params"]?["x"]?.string == "yes")
        #expect(stage.body["params"]?["y"]?.bool == true)
    }

    @Test func referenceColumnsPointAtTheDollar() {
        let found = problems("version: 1\nstages:\n  a:\n    kind: command\n    cmd: echo ${b.out}\n")
        #expect(found.count == 1)
        #expect(found.first?.location?.line == 5)
        #expect(found.first?.location?.column == 15)
        #expect(found.first?.message == "${b.out} in stage 'a' names no stage 'b'")
    }

    @Test func outsMustStayInsideTheWorkspace() {
        let found = problems("""
        version: 1
        stages:
          a:
            kind: command
            cmd: x
            outs: [../escape.txt, /abs.txt, ok.txt, .dbrun/x]
        """)
        #expect(found.map { $0.location?.column ?? 0 } == [12, 27, 45])
        #expect(found[0].message.contains("leaves the pipeline's folder"))
        #expect(found[1].message.contains("absolute"))
        #expect(found[2].message.contains("dbrun manages"))
    }

    @Test func embeddedSchemaMatchesTheShippedFile() throws {
        let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("schemas/pipeline.schema.json")
        let text = try String(contentsOf: shipped, encoding: .utf8)
        #expect(text.trimmingCharacters(in: .newlines) == PipelineSchema.text.trimmingCharacters(in: .newlines),
                "schemas/pipeline.schema.json changed: run scripts/embed-schema")
    }
}
