import ArgumentParser
import Diffusion
import Foundation
import Imaging
import Pipeline
import Tensor

/// `dbrun generate`: text to image with a diffusers-layout Stable Diffusion folder.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate", abstract: "Generate images from a prompt with a Stable Diffusion model folder.",
        discussion: "Image i uses seed + i, so it is the same image whatever --count is."
    )

    @Option(help: "A diffusers-layout model folder (model_index.json, unet/, vae/, text_encoder/, tokenizer/, scheduler/).")
    var model: String
    @Option(help: "The prompt.") var prompt: String
    @Option(name: .customLong("negative-prompt"), help: "What to steer away from (default: the empty prompt).")
    var negativePrompt: String?
    @Option(help: "Denoising steps.") var steps = 50
    @Option(help: "Classifier-free guidance scale (1 turns guidance off).") var guidance: Float = 7.5
    @Option(help: "Seed of the first image.") var seed: UInt64 = 0
    @Option(help: "How many images.") var count = 1
    @Option(help: "Image height and width in pixels (default: the model's training size).") var size: Int?
    @Option(help: "Use this scheduler instead of the folder's: ddpm, ddim, pndm, euler, euler_ancestral, dpmsolver++.")
    var scheduler: String?
    @Option(help: "Threads for the engine (default: all cores).") var threads: Int?
    @Option(help: "The PNG to write; with --count above 1, NAME-0.png, NAME-1.png, … and a grid NAME.png.")
    var out: String

    func run() throws {
        if let threads { BLAS.setThreadCount(threads) }
        guard count >= 1, steps >= 1 else { throw PipelineError.invalid("--count and --steps must be at least 1") }
        let kind = try scheduler.map { name -> SchedulerConfig.Kind in
            guard let kind = SchedulerConfig.Kind(cliName: name) else {
                throw PipelineError.invalid("unknown scheduler '\(name)'",
                                            hint: "one of: \(SchedulerConfig.Kind.cliNames.keys.sorted().joined(separator: ", "))")
            }
            return kind
        }
        let sd: StableDiffusion
        do {
            sd = try StableDiffusion(folder: model, scheduler: kind)
        } catch {
            throw PipelineError.invalid(at: SourceLocation(file: model), "\(error)")
        }
        let side = size ?? sd.defaultImageSize
        let sizeStep = sd.vaeScale * (1 << (sd.unet.config.blockCount - 1))
        guard side % sizeStep == 0 else { throw PipelineError.invalid("--size \(side) must divide by \(sizeStep)") }
        let request = TextToImageRequest(
            prompts: [prompt], negativePrompts: negativePrompt.map { [$0] },
            seeds: (0..<UInt64(count)).map { seed &+ $0 }, steps: steps, guidanceScale: guidance,
            latentHeight: side / sd.vaeScale, latentWidth: side / sd.vaeScale)

        let display = ProgressDisplay()
        let started = Date()
        let control = SamplingControl(
            progress: { step, total in
                let elapsed = Date().timeIntervalSince(started)
                display.update(stage: "generate", String(format: "generate  step %d/%d  %.2f steps/s  ETA %@", step, total,
                                                         Double(step) / elapsed,
                                                         StageProgress.duration(elapsed / Double(step) * Double(total - step))))
            },
            isCancelled: { Interruption.shared.isRequested })
        let result: SamplingResult
        do {
            result = try sd.textToImage.generate(request, control: control)
        } catch is CancellationError {
            display.clearStatus()
            throw PipelineError.interrupted
        }
        display.clearStatus()
        let images = Image.images(from: result.images!)
        let url = URL(fileURLWithPath: out)
        if images.count == 1 {
            try PNGEncoder.write(images[0], to: url.path)
        } else {
            let stem = url.deletingPathExtension().path
            for (i, image) in images.enumerated() { try PNGEncoder.write(image, to: "\(stem)-\(i).png") }
            try PNGEncoder.write(Grid.make(images, captions: images.indices.map { "seed \(seed &+ UInt64($0))" }), to: url.path)
        }
        FileHandle.standardError.write(Data(String(format: "wrote %@ (%d image%@, %.1fs)\n", out, images.count,
                                                   images.count == 1 ? "" : "s", Date().timeIntervalSince(started)).utf8))
    }
}

extension SchedulerConfig.Kind {
    /// The short names `--scheduler` takes.
    static let cliNames: [String: SchedulerConfig.Kind] = [
        "ddpm": .ddpm, "ddim": .ddim, "pndm": .pndm, "euler": .euler, "euler_ancestral": .eulerAncestral,
        "dpmsolver++": .dpmSolverMultistep,
    ]

    init?(cliName: String) {
        guard let kind = Self.cliNames[cliName.lowercased()] else { return nil }
        self = kind
    }
}
