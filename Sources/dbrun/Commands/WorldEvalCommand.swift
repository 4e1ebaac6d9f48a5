import ArgumentParser
import Foundation
import Pipeline
import Pretraining
import Tensor

/// `dbrun world eval`: the embedded world's quality gates on fresh held-out renders (docs/toyworld.md).
struct WorldEvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval", abstract: "Measure the world's models against their quality gates on held-out renders.",
        discussion: "Each part runs when its folders exist: VAE (PSNR at 256×256 of the upscaler's VAE, gated; the "
            + "base's VAE at 64 and 256, reported), evaluator CLIP (zero-shot class and context), "
            + "identity encoder (top-1 retrieval), base (class, context, diversity, Fréchet distance; needs both "
            + "evaluators) and upscaler (PSNR and identity similarity against bicubic; needs the identity encoder). "
            + "Exit status 1 when a measured gate fails.")

    @Option(help: "The world's model folder (holding base/, upscaler/, clip/, identity/).") var models = "models/toyworld"
    @Option(help: "The VAE that decodes 256×256 images, gated (default: the upscaler's vae/).") var vae: String?
    @Option(help: "The base model's VAE, reported at 64 and 256 (default: the base's vae/).") var baseVae: String?
    @Option(help: "The base StableDiffusionPipeline folder (default: MODELS/base).") var base: String?
    @Option(help: "The StableDiffusionUpscalePipeline folder (default: MODELS/upscaler).") var upscaler: String?
    @Option(help: "The evaluator CLIPModel folder (default: MODELS/clip).") var clip: String?
    @Option(help: "The identity encoder ViTModel folder (default: MODELS/identity).") var identity: String?
    @Option(help: "Seed of the held-out scenes and the samples.") var seed: UInt64 = 0
    @Option(help: "Denoising steps for base and upscaler samples.") var steps = 25
    @Option(help: "Classifier-free guidance scale of the base's samples.") var guidance: Float = 5
    @Flag(help: "Print the report as JSON.") var json = false
    @Option(help: "Write sample grids (base-samples.png, upscaler-samples.png) into this folder.") var grids: String?
    @Option(help: "Threads for the engine (default: all cores).") var threads: Int?

    func run() throws {
        if let threads { BLAS.setThreadCount(threads) }
        func inside(_ folder: String, _ name: String) -> String { (folder as NSString).appendingPathComponent(name) }
        func existing(_ path: String) -> String? { FileManager.default.fileExists(atPath: path) ? path : nil }
        if let given = [vae, baseVae, base, upscaler, clip, identity].compactMap({ $0 }).first(where: { existing($0) == nil }) {
            throw PipelineError.invalid(at: SourceLocation(file: given), "no such model folder")
        }
        // Each VAE defaults to the one inside the pipeline folder it decodes for.
        let basePath = base ?? inside(models, "base")
        let upscalerPath = upscaler ?? inside(models, "upscaler")
        let found = WorldEvaluation.Models(
            vae: existing(vae ?? inside(upscalerPath, "vae")), baseVAE: existing(baseVae ?? inside(basePath, "vae")),
            base: existing(basePath), upscaler: existing(upscalerPath), clip: existing(clip ?? inside(models, "clip")),
            identity: existing(identity ?? inside(models, "identity")))
        var evaluation = WorldEvaluation(models: found, seed: seed)
        evaluation.sizes.samplingSteps = steps
        evaluation.sizes.guidance = guidance
        if let grids {
            try FileManager.default.createDirectory(atPath: grids, withIntermediateDirectories: true)
            evaluation.gridFolder = URL(fileURLWithPath: grids)
        }
        let display = ProgressDisplay()
        evaluation.log = { display.line($0) }
        let report = try evaluation.run()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        if json {
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(Self.table(report))
        }
        if !report.passed { throw ExitCode(1) }
    }

    static func table(_ r: WorldEvaluation.Report) -> String {
        var lines: [String] = []
        // Foundation's %-34@ does not pad on Linux: pad the name here.
        func line(_ name: String, _ value: Double, _ rest: String = "") {
            lines.append(name.padding(toLength: 34, withPad: " ", startingAt: 0) + String(format: " %10.4f", value) + rest)
        }
        func row(_ name: String, _ gate: WorldEvaluation.Gate) {
            line(name, gate.value, "  \(gate.passed ? "pass" : "FAIL")  \(gate.gate)")
        }
        if let v = r.vae { row("vae psnr at 256 (dB)", v.psnrDB) }
        if let v = r.baseVAE {
            line("base vae psnr at 64 (dB)", v.psnrDBAt64, String(format: "  (at 256: %.4f)", v.psnrDBAt256))
        }
        if let c = r.clip {
            row("clip zero-shot class accuracy", c.classAccuracy)
            row("clip zero-shot context accuracy", c.contextAccuracy)
            line("clip class accuracy given context", c.classAccuracyGivenContext)
        }
        if let i = r.identity { row("identity top-1 retrieval", i.top1Retrieval) }
        if let b = r.base {
            row("base class accuracy", b.classAccuracy)
            row("base context accuracy", b.contextAccuracy)
            row("base diversity (identity sim.)", b.diversity)
            line("base Fréchet distance to renders", b.frechetToRenders, String(format: "  (two render sets: %.4f)", b.frechetRendersToRenders))
        }
        if let u = r.upscaler {
            row("upscaler psnr (dB)", u.psnrDB)
            row("upscaler identity similarity", u.identitySimilarity)
        }
        lines.append(r.passed ? "every measured gate passed" : "a gate failed")
        return lines.joined(separator: "\n")
    }
}
