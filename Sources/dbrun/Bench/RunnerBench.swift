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
    @Flag(help: "Print JSON only.") var json = false

    func run() throws {
        let root = URL(fileURLWithPath: dir ?? NSTemporaryDirectory()).appendingPathComponent("dbrun-bench-runner-\(getpid())")
        defer { if dir == nil { try? FileManager.default.removeItem(at: root) } }
        let bytes = try makeWorkspace(root)

        let first = try timeRun(root)
        var noOps: [Double] = []
        for _ in 0..<repeats { noOps.append(try timeRun(root)) }
        let median = noOps.sorted()[noOps.count / 2]

        let result: PlainValue = .object([
            "benchmark": .string("runner-noop"),
            "stages": .int(6), "input_files": .int(files), "input_bytes": .int(Int(bytes)),
            "first_run_s": .double(first), "first_run_hash_gb_per_s": .double(Double(bytes) / 1e9 / first),
            "noop_rerun_median_s": .double(median), "noop_rerun_s": .array(noOps.map { .double($0) }),
            "target_s": .double(0.3),
        ])
        if json {
            print(result.canonicalJSON)
            return
        }
        print("runner benchmark: 6 chained command stages, input folder of \(files) files, \(Bytes.format(bytes))")
        print(String(format: "  first run (hashes everything)   %8.3f s   (%.2f GB/s)", first, Double(bytes) / 1e9 / first))
        print(String(format: "  no-op rerun, median of %d        %8.3f s   (target < 0.3 s)", repeats, median))
        print("  no-op reruns: " + noOps.map { String(format: "%.3f", $0) }.joined(separator: ", "))
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
            FileManager.default.createFile(atPath: url.path, contents: nil)
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

    /// Runs this very binary on the bench pipeline and returns the wall time.
    private func timeRun(_ root: URL) throws -> Double {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.arguments = ["run", "--quiet", "bench.yaml"]
        process.currentDirectoryURL = root
        process.standardOutput = FileHandle.nullDevice
        let started = DispatchTime.now().uptimeNanoseconds
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw PipelineError.failed("the benchmark pipeline failed (exit \(process.terminationStatus)) in \(root.path)")
        }
        return Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
    }
}
