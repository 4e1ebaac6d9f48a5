import ArgumentParser
import Foundation
import Tensor

/// `dbrun bench engine`: raw sgemm and a copy loop, then the engine's kernels as fractions of them.
struct EngineBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Measure the tensor engine against raw cblas_sgemm and memory bandwidth, in one run."
    )

    @Flag(help: "Print JSON instead of a table.") var json = false
    @Flag(help: "Fewer repetitions (noisier, faster).") var quick = false
    @Option(help: "Only one group: matmul, conv, attention or memory (the references always run).") var only: String?
    @Option(help: "Threads for OpenBLAS and the engine (default: OpenBLAS's own setting).") var threads: Int?
    @Option(name: .customLong("repeat"), help: "Run the whole benchmark this many times and report the median of each line (shared machines).")
    var repeats: Int = 1

    /// One line of the report: the median over the repeats.
    struct Line: Encodable {
        let name: String, unit: String
        let rate: Double, reference: Double, fraction: Double, milliseconds: Double
        /// Lowest and highest fraction over the repeats.
        let fractionRange: [Double]
    }

    func run() throws {
        if let threads { BLAS.setThreadCount(threads) }
        var runs: [[EngineBenchmarkResult]] = []
        for i in 0..<max(1, repeats) {
            runs.append(EngineBenchmark.run(quick: quick, only: only) { name in
                if !json { FileHandle.standardError.write(Data("  [\(i + 1)/\(max(1, repeats))] measured \(name)\n".utf8)) }
            })
        }
        func median(_ xs: [Double]) -> Double {
            let s = xs.sorted()
            return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
        }
        func round(_ x: Double, _ places: Double) -> Double { (x * places).rounded() / places }
        let lines: [Line] = runs[0].map { first in
            let all = runs.compactMap { $0.first { $0.name == first.name } }
            let fractions = all.map(\.fraction)
            return Line(name: first.name, unit: first.unit, rate: round(median(all.map(\.rate)), 10),
                        reference: round(median(all.map(\.reference)), 10), fraction: round(median(fractions), 1000),
                        milliseconds: round(median(all.map(\.milliseconds)), 100),
                        fractionRange: [round(fractions.min()!, 1000), round(fractions.max()!, 1000)])
        }
        if json {
            struct Report: Encodable {
                let cpu: CPUInfo
                let blas: BLASCore.Selection
                let threads: Int
                let repeats: Int
                let results: [Line]
            }
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            let report = Report(cpu: .current, blas: BLASCore.selection, threads: BLAS.threadCount, repeats: runs.count, results: lines)
            print(String(decoding: try enc.encode(report), as: UTF8.self))
            return
        }
        DoctorCommand.summaryLines(cpu: .current, selection: BLASCore.selection).forEach { print($0) }
        print("threads    \(BLAS.threadCount), repeats: \(runs.count) (medians)")
        let width = lines.map(\.name.count).max() ?? 10
        print("benchmark".padding(toLength: width, withPad: " ", startingAt: 0) + "      rate  unit       vs ref       ms   range")
        for l in lines {
            let name = l.name.padding(toLength: width, withPad: " ", startingAt: 0)
            let unit = l.unit.padding(toLength: 8, withPad: " ", startingAt: 0)
            let range = runs.count > 1 ? String(format: "%5.0f–%.0f%%", l.fractionRange[0] * 100, l.fractionRange[1] * 100) : ""
            print("\(name) \(String(format: "%9.1f", l.rate))  \(unit) \(String(format: "%7.1f%%", l.fraction * 100)) \(String(format: "%8.2f", l.milliseconds))  \(range)")
        }
    }
}
