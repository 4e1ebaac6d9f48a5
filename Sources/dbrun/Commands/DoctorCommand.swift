import ArgumentParser
import Foundation
import Tensor

/// `dbrun doctor`: the CPU, the GEMM kernels in use and why, and the engine's threads; `--cores` measures every
/// core type this CPU can run, each in a fresh dbrun (OpenBLAS picks its kernels once per process).
struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Show the CPU, OpenBLAS's kernels in use and why, and the engine's threads.",
        discussion: """
            dbrun replaces OpenBLAS's generic kernels with the ones matching the CPU (by restarting itself with \
            OPENBLAS_CORETYPE set) and checks them against a reference product first. A user's own \
            OPENBLAS_CORETYPE wins; DBRUN_BLAS_CORE=best applies the rule even over it, DBRUN_BLAS_CORE=openblas \
            never changes OpenBLAS's choice.
            """
    )

    @Flag(help: "Print JSON.") var json = false
    @Flag(help: "Measure raw sgemm (1024³, the engine's threads) under every core type this CPU can run.")
    var cores = false
    @Option(help: "Threads for the measurement (default: the engine's budget).") var threads: Int?
    /// Used by `--cores` in the processes it starts: print this process's rate as JSON and stop.
    @Flag(help: .hidden) var measureOnly = false

    struct Report: Encodable {
        let cpu: CPUInfo
        let openBLAS: String
        let blas: BLASCore.Selection
        /// The self-test of the core in use, run now.
        let selfTest: BLASCore.SelfTest
        let threads: Int
        let usableCPUs: Int
        let coreRates: [CoreRate]?
    }

    struct CoreRate: Codable {
        let core: String
        let gflops: Double
        let selfTestPassed: Bool
    }

    func run() throws {
        if let threads { BLAS.setThreadCount(threads) }
        if measureOnly {
            let rate = CoreRate(core: BLASCore.loaded, gflops: EngineBenchmark.rawSGEMMRate(),
                                selfTestPassed: BLASCore.selfTest().passed)
            print(String(decoding: try JSONEncoder().encode(rate), as: UTF8.self))
            return
        }
        let report = Report(cpu: .current, openBLAS: BLASCore.configuration, blas: BLASCore.selection,
                            selfTest: BLASCore.selfTest(), threads: BLAS.threadCount, usableCPUs: BLAS.usableCPUs,
                            coreRates: cores ? try measureCores() : nil)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
            return
        }
        print(Self.describe(report))
    }

    /// The lines a person reads; `bench engine` prints the first ones too.
    static func describe(_ report: Report) -> String {
        var lines = summaryLines(cpu: report.cpu, selection: report.blas)
        let test = report.selfTest
        lines.insert("openblas   \(report.openBLAS)", at: 2)
        lines.append("self-test  \(test.passed ? "passed" : "FAILED"): \(test.detail) (worst error \(String(format: "%.3g", test.worst)) of its bound)")
        lines.append("threads    \(report.threads) (usable CPUs: \(report.usableCPUs); --threads or DBRUN_THREADS to change)")
        if let rates = report.coreRates {
            let best = rates.map(\.gflops).max() ?? 1
            lines.append("")
            lines.append("raw sgemm 1024³ on \(report.threads) thread\(report.threads == 1 ? "" : "s"), each core in its own process:")
            for rate in rates {
                let mark = rate.core.lowercased() == report.blas.core.lowercased() ? "  ← in use" : ""
                let name = rate.core.padding(toLength: 12, withPad: " ", startingAt: 0)
                lines.append("  " + name + String(format: "%7.1f GFLOP/s  %5.1f%% of the best", rate.gflops, 100 * rate.gflops / best)
                             + (rate.selfTestPassed ? "" : "  (self-test FAILED)") + mark)
            }
        }
        return lines.joined(separator: "\n")
    }

    /// CPU, vector ISA and core lines.
    static func summaryLines(cpu: CPUInfo, selection: BLASCore.Selection) -> [String] {
        let os = cpu.osSavesZMM ? "the OS saves YMM and ZMM" : cpu.osSavesYMM ? "the OS saves YMM, not ZMM" : "the OS saves no YMM"
        return [
            "cpu        \(cpu.summary)",
            "vector     \(cpu.vectorISA) (\(cpu.flags.joined(separator: " ")); \(os))",
            "core       \(selection.core): \(selection.reason)",
        ]
    }

    /// Each core type at or below the CPU's ISA, measured in a dbrun of its own under `OPENBLAS_CORETYPE`.
    func measureCores() throws -> [CoreRate] {
        let candidates = ["Prescott", "Sandybridge", "Haswell", "Zen", "SkylakeX", "Cooperlake"]
            .filter { (BLASCore.vectorISA(ofCore: $0) ?? .sse) <= CPUInfo.current.vectorISA }
        var rates: [CoreRate] = []
        for core in candidates {
            FileHandle.standardError.write(Data("  measuring \(core)…\n".utf8))
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/proc/self/exe")
            process.arguments = ["doctor", "--measure-only", "--threads", "\(BLAS.threadCount)"]
            var environment = ProcessInfo.processInfo.environment
            environment["OPENBLAS_CORETYPE"] = core
            environment["DBRUN_BLAS_CORE"] = nil
            process.environment = environment
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            guard process.terminationStatus == 0, let rate = try? JSONDecoder().decode(CoreRate.self, from: data) else {
                throw ValidationError("measuring \(core) failed (exit \(process.terminationStatus))")
            }
            // OpenBLAS loads its own choice for a name it lacks: report what ran, once.
            if !rates.contains(where: { $0.core == rate.core }) { rates.append(rate) }
        }
        return rates
    }
}
