import ArgumentParser
import Foundation

/// `dbrun bench runner`: placeholder replaced below.
struct RunnerBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "runner", abstract: "Measure a no-op rerun.")
    func run() throws {}
}
