import Foundation
import Testing
import TestSupport
@testable import Pipeline

/// Hostile pipeline files under 64 KB, as `scripts/worst-case-pipelines` writes them: each must get an answer —
/// success or a located error of bounded length — rather than a crash or a hang. Timings are measured with
/// `/usr/bin/time -v dbrun validate`, not asserted here.
@Suite struct AdversarialPipelineTests {
    static let limit = 64 * 1024

    /// The largest `make(n)` under 64 KB, found by bisection on n.
    static func fit(upTo high: Int = 40_000, _ make: (Int) -> String) -> String {
        var lo = 1, hi = high
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if make(mid).utf8.count < limit { lo = mid } else { hi = mid - 1 }
        }
        return make(lo)
    }

    static func command(_ name: String, _ cmd: String = "echo", _ extra: String = "") -> String {
        "  \(name):\n    kind: command\n    cmd: \(cmd)\n\(extra)"
    }

    static let header = "version: 1\nstages:\n"

    static let cases: [(String, String)] = [
        ("billion laughs", {
            var y = "version: 1\nstages: {}\na0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
            for i in 1..<10 { y += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ",") + "]\n" }
            return y
        }()),
        ("deep flow", fit { "version: 1\nstages: {}\nx: " + String(repeating: "[", count: $0) + String(repeating: "]", count: $0) }),
        ("deep block", (0..<200).reduce("version: 1\nstages: {}\nx:\n") { $0 + String(repeating: "  ", count: $1 + 1) + "k\($1):\n" }),
        ("many stages", fit { n in header + (0..<n).map { command("s\($0)", "echo \($0)") }.joined() }),
        ("chain", fit { n in
            header + command("s0", "echo > s0.txt", "    outs: [s0.txt]\n")
                + (1..<max(n, 2)).map { command("s\($0)", "cat ${s\($0 - 1).s\($0 - 1).txt} > s\($0).txt", "    outs: [s\($0).txt]\n") }.joined()
        }),
        ("bad references near real names", fit(upTo: 10) { per in
            header + (0..<1000).map { i in
                "  s\(i): {kind: command, cmd: \"" + (0..<per).map { "${t\((i + $0) % 1000).o}" }.joined(separator: " ") + "\"}\n"
            }.joined()
        }),
        ("many bad references", fit { n in
            header + (0..<200).map { command("missing_stage_\($0)x") }.joined()
                + command("z", "\"" + (0..<n).map { "${missing_stage_\($0).out}" }.joined(separator: " ") + "\"")
        }),
        ("many outputs", fit { n in header + command("a", "echo", "    outs: [" + (0..<n).map { "o\($0)" }.joined(separator: ", ") + "]\n") }),
        ("outputs inside outputs", fit { n in
            header + (0..<n).map { command("s\($0)", "echo", "    outs: [d/\(String(repeating: "x/", count: $0 % 5))o]\n") }.joined()
        }),
        ("many deps", fit { n in
            header + command("w", "echo", "    outs: [d0]\n") + command("r", "echo", "    deps: [" + (0..<n).map { "d\($0)" }.joined(separator: ", ") + "]\n")
        }),
        ("long cycle", fit { n in header + (0..<n).map { command("s\($0)", "echo", "    needs: [s\(($0 + 1) % n)]\n") }.joined() }),
        ("long string", header + command("a", "\"" + String(repeating: "y", count: 60_000) + "\"")),
        ("unclosed references", header + command("a", "\"" + String(repeating: "${", count: 30_000) + "\"")),
        ("references repeated by aliases", header
            + "  a: {kind: command, cmd: &s \"\(String(repeating: "${nope.o} ", count: 1300))\"}\n"
            + (0..<79).map { "  a\($0): {kind: command, cmd: *s}\n" }.joined()),
        ("long key", header + "  ? " + String(repeating: "a", count: 60_000) + "\n  : {kind: command, cmd: echo}\n"),
        ("long misspelt kind", header + "  a: {kind: \(String(repeating: "c", count: 60_000)), cmd: echo}\n"),
        ("duplicate keys", fit { n in header + command("a") + (0..<n).map { "    cmd: x\($0)\n" }.joined() }),
        ("unknown keys", fit { n in header + command("a", "echo", (0..<n).map { "    depz\($0): 1\n" }.joined()) }),
        ("wrong types", fit { n in header + (0..<n).map { "  s\($0): 1\n" }.joined() }),
        ("huge array of the wrong type", fit { n in header + "  a:\n    kind: command\n    cmd: [" + Array(repeating: "1", count: n).joined(separator: ",") + "]\n" }),
        ("many unknown needs", fit { n in header + command("a", "echo", "    needs: [" + (0..<n).map { "nope\($0)" }.joined(separator: ", ") + "]\n") }),
        ("duplicate outs", fit { n in header + command("a", "echo", "    outs: [" + Array(repeating: "same", count: n).joined(separator: ", ") + "]\n") }),
        ("syntax error", header + "  a:\n    kind: command\n   cmd: x\n" + String(repeating: "#", count: 60_000)),
        ("control character", header + command("a", "\"bell \u{07}\"")),
    ]

    @Test(arguments: cases.map(\.0))
    func isAnswered(_ name: String) throws {
        let yaml = Self.cases.first { $0.0 == name }!.1
        #expect(yaml.utf8.count < Self.limit, "the case itself must stay under 64 KB")
        let folder = try TemporaryFolder()
        let file = folder.url.appendingPathComponent("p.yaml")
        try Data(yaml.utf8).write(to: file)
        do {
            _ = try PipelineLoader.load(file: file.path)
        } catch let error as PipelineError {
            #expect(error.location?.file == file.path)
            #expect(error.description.count < 2_000)
        } catch let errors as PipelineErrors {
            #expect(!errors.errors.isEmpty)
            #expect(errors.description.count < 50_000, "printed problems are capped")
        }
    }
}
