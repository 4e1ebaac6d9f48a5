import ArgumentParser
import Foundation
import Tensor
import ToyWorld

/// `dbrun bench world`: how fast the procedural world feeds training, in renders per second of pretraining
/// examples (random classes and contexts) at 64 and 256 pixels, through the parallel batch renderer.
struct WorldBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "world", abstract: "Measure procedural-world renders per second at 64 and 256 pixels.",
        discussion: """
            Each round renders --batch pretraining examples (seed 0) with ToyWorld.renderBatch, one image per \
            task on the thread pool, into a reused [N, 3, S, S] buffer in [-1, 1]; the best of --rounds is reported. \
            The single-thread figure renders the same scenes one by one on the caller's thread.
            """)

    @Option(help: "Images per timed batch at 64 pixels (a quarter of it at 256).") var batch = 512
    @Option(help: "Timed rounds per figure (the best is kept).") var rounds = 3
    @Option(help: "Threads (default: the engine's budget).") var threads: Int?
    @Flag(help: "Print JSON instead of a table.") var json = false

    func validate() throws {
        guard batch >= 4, rounds > 0, (threads ?? 1) > 0 else { throw ValidationError("--batch ≥ 4, --rounds and --threads positive") }
    }

    func run() throws {
        if let threads { BLAS.setThreadCount(threads) }
        let sampler = WorldSampler(seed: 0)
        var figures: [BenchFigure] = []
        for (size, count) in [(64, batch), (256, max(4, batch / 4))] {
            let scenes = sampler.examples(0..<count).map(\.scene)
            // One reused buffer, as a training loop keeps: fresh memory would time page faults, not drawing.
            var buffer = ToyWorld.renderBatch(scenes, size: size)
            let parallel = buffer.withUnsafeMutableBufferPointer { out in
                bestSeconds(rounds) { ToyWorld.renderBatch(scenes, size: size, into: out) }
            }
            let single = bestSeconds(rounds) { for scene in scenes { _ = ToyWorld.render(scene, size: size) } }
            let serialRate = Double(count) / single
            figures.append(BenchFigure(name: "render_\(size)", value: Double(count) / parallel, unit: "renders/s",
                                       reference: (name: "1 thread", value: serialRate)))
        }
        printFigures("world", figures, json: json,
                     notes: ["\(BLAS.threadCount) thread(s); pretraining examples of seed 0, batch \(batch) at 64, \(max(4, batch / 4)) at 256"])
    }
}
