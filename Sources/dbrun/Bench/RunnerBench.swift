import ArgumentParser
import Foundation
import Pipeline

/// `dbrun bench runner`: the cost of asking "is anything stale?" — a no-op rerun of a 6-stage pipeline whose first
/// stage reads a large input folder, timed as a whole process (start-up, parse, validate, stat, decide), as DVC's
/// and Snakemake's are in ANCHORS.md.
struct RunnerBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runner", abstract: "Time a no-op rerun of a 6-stage pipeline over a large input folder.")

    @Option(help: "Total size of the input folder, in GB.") var sizeGb: Double = 2
    @Option(help: "Number of files in the input folder.") var files: Int = 20
    @Option(help: "No-op reruns to time (the median is reported).") var repeats: Int = 5
    @Option(help: "Where to build the workspace (default: a temporary folder, removed afterwards).") var dir: String?
    @Option(help: "A `dvc` executable to time on the same pipeline and input, in the same run.") var dvc: String?
    @Option(help: "A `snakemake` executable to time on the same pipeline and input, in the same run.") var snakemake: String?
    @Flag(help: "Print JSON only.") var json = false

    func run() throws {
        let root = URL(fileURLWithPath: dir ?? NSTemporaryDirectory()).appendingPathComponent("dbrun-bench-runner-\(getpid())")
        defer { if dir == nil { try? FileManager.default.removeItem(at: root) } }
        let bytes = try makeWorkspace(root)

        let selfPath = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        var runners = [Contender(name: "dbrun", folder: root, executable: selfPath, arguments: ["run", "--quiet", "bench.yaml"])]
        if let dvc {
            let folder = try sibling(root, "dvc", dvcFile, name: "dvc.yaml")
            try timeCommand(dvc, ["init", "--no-scm", "-q"], in: folder)
            runners.append(Contender(name: "dvc", folder: folder, executable: dvc, arguments: ["repro", "-q"]))
        }
        if let snakemake {
            let folder = try sibling(root, "snakemake", snakefile, name: "Snakefile")
            runners.append(Contender(name: "snakemake", folder: folder, executable: snakemake, arguments: ["--cores", "1", "-q"]))
        }
        var rows: [String: PlainValue] = [:]
        var medians: [String: Double] = [:]
        for runner in runners {
            let first = try timeCommand(runner.executable, runner.arguments, in: runner.folder)
            var noOps: [Double] = []
            for _ in 0..<repeats { noOps.append(try timeCommand(runner.executable, runner.arguments, in: runner.folder)) }
            let median = noOps.sorted()[noOps.count / 2]
            medians[runner.name] = median
            rows[runner.name] = .object(["first_run_s": .double(first), "noop_rerun_median_s": .double(median),
                                         "noop_rerun_s": .array(noOps.map { .double($0) })])
        }
        let result: PlainValue = .object([
            "benchmark": .string("runner-noop"), "stages": .int(6), "input_files": .int(files),
            "input_bytes": .int(Int(bytes)), "runners": .object(rows), "target_s": .double(0.3),
        ])
        if json {
            print(result.canonicalJSON)
            return
        }
        print("runner benchmark: 6 chained stages, the first reading a folder of \(files) files, \(Bytes.format(bytes)); whole process")
        print("  runner      first run   no-op rerun (median of \(repeats))   vs dbrun")
        for runner in runners {
            let row = rows[runner.name]!
            let first = row["first_run_s"]!.double!, median = medians[runner.name]!
            let name = runner.name.padding(toLength: 10, withPad: " ", startingAt: 0)
            print("  \(name)" + String(format: "%8.3f s   %8.3f s                  %6.1f×", first, median, median / medians["dbrun"]!))
        }
        print("  target for dbrun's no-op rerun: < 0.3 s")
    }

    /// Another runner timed on the same input.
    private struct Contender {
        var name: String
        var folder: URL
        var executable: String
        var arguments: [String]
    }

    /// A folder beside the dbrun workspace for another runner, sharing the input by hard links (no copy, same bytes).
    private func sibling(_ root: URL, _ name: String, _ text: String, name file: String) throws -> URL {
        let folder = root.appendingPathComponent("other-\(name)")
        let data = folder.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        for entry in try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("data").path) {
            try FileManager.default.linkItem(at: root.appendingPathComponent("data/\(entry)"), to: data.appendingPathComponent(entry))
        }
        try Data(text.utf8).write(to: folder.appendingPathComponent(file))
        return folder
    }

    /// The same six stages as bench.yaml, for DVC.
    private var dvcFile: String {
        var text = "stages:\n  s1:\n    cmd: ls data | wc -l > s1.txt\n    deps: [data]\n    outs: [s1.txt]\n"
        for i in 2...6 { text += "  s\(i):\n    cmd: cat s\(i - 1).txt > s\(i).txt\n    deps: [s\(i - 1).txt]\n    outs: [s\(i).txt]\n" }
        return text
    }

    /// The same six stages as bench.yaml, for Snakemake.
    private var snakefile: String {
        var text = "rule all:\n    input: \"s6.txt\"\n\nrule s1:\n    input: \"data\"\n    output: \"s1.txt\"\n    shell: \"ls data | wc -l > s1.txt\"\n"
        for i in 2...6 {
            text += "\nrule s\(i):\n    input: \"s\(i - 1).txt\"\n    output: \"s\(i).txt\"\n    shell: \"cat s\(i - 1).txt > s\(i).txt\"\n"
        }
        return text
    }

    /// Writes the input folder (distinct pseudo-random content per file) and the pipeline; returns the input's size.
    private func makeWorkspace(_ root: URL) throws -> Int64 {
        let data = root.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        let perFile = Int(sizeGb * 1e9) / max(files, 1)
        var chunk = [UInt64](repeating: 0, count: 1 << 17)  // 1 MiB
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var total: Int64 = 0
        for i in 0..<files {
            let url = data.appendingPathComponent(String(format: "shard-%03d.bin", i))
            _ = FileManager.default.createFile(atPath: url.path, contents: nil)
            let handle = try FileHandle(forWritingTo: url)
            var written = 0
            while written < perFile {
                for j in chunk.indices {
                    state &+= 0x9E37_79B9_7F4A_7C15
                    chunk[j] = state ^ (state >> 31)
                }
                let n = min(chunk.count * 8, perFile - written)
                chunk.withUnsafeBytes { handle.write(Data($0.prefix(n))) }
                written += n
            }
            try handle.close()
            total += Int64(written)
        }
        var yaml = "version: 1\nname: bench\nstages:\n"
        yaml += "  s1:\n    kind: command\n    cmd: ls data | wc -l > s1.txt\n    deps: [data]\n    outs: [s1.txt]\n"
        for i in 2...6 {
            yaml += "  s\(i):\n    kind: command\n    cmd: cat ${s\(i - 1).s\(i - 1).txt} > s\(i).txt\n    outs: [s\(i).txt]\n"
        }
        try Data(yaml.utf8).write(to: root.appendingPathComponent("bench.yaml"))
        return total
    }

    /// Runs a whole process to completion and returns its wall time.
    @discardableResult
    private func timeCommand(_ executable: String, _ arguments: [String], in folder: URL) throws -> Double {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = folder
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let started = DispatchTime.now().uptimeNanoseconds
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw PipelineError.failed("\(executable) \(arguments.joined(separator: " ")) failed (exit \(process.terminationStatus)) in \(folder.path)")
        }
        return Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
    }
}
