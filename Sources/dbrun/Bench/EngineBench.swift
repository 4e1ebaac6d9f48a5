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

    func run() throws {
        if let threads { BLAS.setThreadCount(threads) }
        let results = EngineBenchmark.run(quick: quick, only: only) { name in
            if !json { FileHandle.standardError.write(Data("  measured \(name)\n".utf8)) }
        }
        if json {
            struct Report: Encodable {
                let threads: Int
                let results: [EngineBenchmarkResult]
            }
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try enc.encode(Report(threads: BLAS.threadCount, results: results)), as: UTF8.self))
            return
        }
        print("threads: \(BLAS.threadCount)")
        let width = results.map(\.name.count).max() ?? 10
        print("benchmark".padding(toLength: width, withPad: " ", startingAt: 0) + "      rate  unit       vs ref     ms")
        for r in results {
            let name = r.name.padding(toLength: width, withPad: " ", startingAt: 0)
            print("\(name) \(String(format: "%9.1f", r.rate))  \(r.unit.padding(toLength: 8, withPad: " ", startingAt: 0)) \(String(format: "%7.1f%%", r.fraction * 100)) \(String(format: "%8.2f", r.milliseconds))")
        }
    }
}
