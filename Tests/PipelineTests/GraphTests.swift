import Foundation
import Testing
import TestSupport
@testable import Pipeline

@Suite struct GraphTests {
    func load(_ yaml: String) throws -> LoadedPipeline {
        let folder = try TemporaryFolder()
        return try PipelineLoader.load(file: try folder.write("p.yaml", yaml).path)
    }

    func messages(_ yaml: String) -> [String] {
        do {
            _ = try load(yaml)
            return []
        } catch let errors as PipelineErrors {
            return errors.errors.map { "\($0.location.map { "\($0.line):\($0.column)" } ?? "?") \($0.message)" }
        } catch let error as PipelineError {
            return ["\(error.location.map { "\($0.line):\($0.column)" } ?? "?") \(error.message)"]
        } catch {
            return ["\(error)"]
        }
    }

    @Test func cycleNamesEveryStageOnIt() {
        let found = messages("""
        version: 1
        stages:
          a:
            kind: command
            cmd: cat ${c.c.txt} > a.txt
            outs: [a.txt]
          b:
            kind: command
            cmd: cat ${a.a.txt} > b.txt
            outs: [b.txt]
          c:
            kind: command
            cmd: cat ${b.b.txt} > c.txt
            outs: [c.txt]
        """)
        #expect(found == ["3:3 the stages form a cycle: a → b → c → a"])
    }

    @Test func needsCycleAndSelfNeeds() {
        let found = messages("""
        version: 1
        stages:
          a: { kind: command, cmd: x, needs: [b] }
          b: { kind: command, cmd: x, needs: [a] }
        """)
        #expect(found == ["3:3 the stages form a cycle: a → b → a"])
        #expect(messages("version: 1\nstages:\n  a: { kind: command, cmd: x, needs: [a] }\n") == ["3:39 stage 'a' needs itself"])
    }

    @Test func unknownStagesAndOutputsNameBothEnds() {
        let found = messages("""
        version: 1
        stages:
          words:
            kind: command
            cmd: echo hi > w.txt
            outs: [w.txt]
          count:
            kind: command
            cmd: wc ${word.w.txt} ${words.x.txt}
            needs: [wordz]
        """)
        #expect(found == [
            "9:13 ${word.w.txt} in stage 'count' names no stage 'word'",
            "9:27 stage 'words' has no output 'x.txt' (in stage 'count')",
            "10:13 stage 'count' needs 'wordz', which is not a stage",
        ])
    }

    @Test func twoStagesWritingOnePathIsAnError() {
        let found = messages("""
        version: 1
        stages:
          a: { kind: command, cmd: x, outs: [data] }
          b: { kind: command, cmd: x, outs: [data/sub.txt] }
        """)
        #expect(found == ["4:3 stages 'a' and 'b' both write 'data/sub.txt'"])
    }

    @Test func orderFollowsEdgesThenFileOrder() throws {
        let loaded = try load("""
        version: 1
        stages:
          report: { kind: command, cmd: cat a.txt b.txt, deps: [a.txt, b.txt] }
          b: { kind: command, cmd: echo > b.txt, outs: [b.txt], needs: [a] }
          a: { kind: command, cmd: echo > a.txt, outs: [a.txt] }
          lone: { kind: command, cmd: "true" }
        """)
        #expect(loaded.graph.order == ["a", "b", "report", "lone"])
        #expect(loaded.graph.upstream["report"] == ["a", "b"] || loaded.graph.upstream["report"] == ["b", "a"])
        #expect(loaded.graph.closure(of: ["b"]) == ["a", "b"])
        #expect(loaded.graph.downstream(of: "a") == ["b", "report"])
    }
}
