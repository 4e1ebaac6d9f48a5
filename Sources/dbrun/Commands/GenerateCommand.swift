import ArgumentParser
import Diffusion
import Foundation
import Imaging
import Pipeline
import SafeTensors
import Tensor

/// `dbrun generate`: text to image with a diffusers-layout Stable Diffusion folder, optionally upscaled.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate", abstract: "Generate images from a prompt with a Stable Diffusion model folder.",
        discussion: """
        Image i uses seed + i, so it is the same image whatever --count is. With --upscaler, each image is then \
        upscaled with the same prompt and written as the output, and the base model's image is kept as \
        NAME-lowres.png.
        """
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
    @OptionGroup var upscale: UpscaleOptions
    @OptionGroup var given: GivenNoiseOptions

    func run() throws {
        if let threads { BLAS.setThreadCount(threads) }
        guard count >= 1, steps >= 1 else { throw PipelineError.invalid("--count and --steps must be at least 1") }
        let kind = try scheduler.map { name -> SchedulerConfig.Kind in
            guard let kind = SchedulerConfig.Kind(shortName: name) else {
                throw PipelineError.invalid("unknown scheduler '\(name)'",
                                            hint: "one of: \(SchedulerConfig.Kind.shortNames.keys.sorted().joined(separator: ", "))")
            }
            return kind
        }
        let sd = try Self.load(model) { try StableDiffusion(folder: $0, scheduler: kind) }
        let upscaler = try upscale.folder.map { folder in try Self.load(folder) { try StableDiffusionUpscale(folder: $0) } }
        let side = size ?? sd.defaultImageSize
        let sizeStep = sd.vaeScale * (1 << (sd.unet.config.blockCount - 1))
        guard side % sizeStep == 0 else { throw PipelineError.invalid("--size \(side) must divide by \(sizeStep)") }
        if let upscaler { try upscale.check(upscaler, side: side) }

        let noise = try given.load()
        let seeds = (0..<UInt64(count)).map { seed &+ $0 }
        var request = TextToImageRequest(
            prompts: [prompt], negativePrompts: negativePrompt.map { [$0] }, seeds: seeds, steps: steps,
            guidanceScale: guidance, latentHeight: side / sd.vaeScale, latentWidth: side / sd.vaeScale)
        request.initialNoise = noise.initialNoise

        let display = ProgressDisplay()
        let started = Date()
        let base = try Self.sample("generate", display: display) { try sd.textToImage.generate(request, control: $0) }
        var output = base.images!
        var tensors: [String: Tensor] = [:]
        if let upscaler {
            let upscaled = try Self.sample("upscale", display: display) { control in
                try upscaler.upscaler.upscale(upscale.request(base.images!, prompt: prompt, negativePrompt: negativePrompt,
                                                              seeds: seeds, given: noise), control: control)
            }
            try Self.write(Image.images(from: base.images!), to: Self.lowResPath(out), seed: seed)
            tensors["lowres"] = base.images!
            output = upscaled.images!
        }
        tensors["images"] = output
        let images = Image.images(from: output)
        try Self.write(images, to: out, seed: seed)
        if let path = given.outputTensor {
            var writer = SafeTensorsWriter(metadata: ["format": "pt"])
            for name in tensors.keys.sorted() { try writer.add(name, tensors[name]!) }
            try writer.write(to: path)
        }
        FileHandle.standardError.write(Data(String(format: "wrote %@ (%d image%@, %.1fs)\n", out, images.count,
                                                   images.count == 1 ? "" : "s", Date().timeIntervalSince(started)).utf8))
    }

    /// Loads a model folder, turning any failure into invalid input located at the folder.
    static func load<Model>(_ folder: String, _ make: (String) throws -> Model) throws -> Model {
        do {
            return try make(folder)
        } catch {
            throw PipelineError.invalid(at: SourceLocation(file: folder), "\(error)")
        }
    }

    /// Runs one sampling phase with a live `phase  step i/n  rate  ETA` line; Ctrl-C ends it with exit code 130.
    static func sample(_ phase: String, display: ProgressDisplay,
                       _ body: (SamplingControl) throws -> SamplingResult) throws -> SamplingResult {
        let started = Date()
        let control = SamplingControl(
            progress: { step, total in
                let elapsed = Date().timeIntervalSince(started)
                display.update(stage: phase, String(format: "%@  step %d/%d  %.2f steps/s  ETA %@", phase, step, total,
                                                    Double(step) / elapsed,
                                                    StageProgress.duration(elapsed / Double(step) * Double(total - step))))
            },
            isCancelled: { Interruption.shared.isRequested })
        defer { display.clearStatus() }
        do {
            return try body(control)
        } catch is CancellationError {
            throw PipelineError.interrupted
        } catch let error as SamplingError {
            throw PipelineError.invalid("\(phase): \(error)")  // given noise of the wrong shape, say
        }
    }

    /// One image to `path`; several as NAME-0.png, NAME-1.png, … and a captioned grid at `path`.
    static func write(_ images: [Image], to path: String, seed: UInt64) throws {
        if images.count == 1 { return try PNGEncoder.write(images[0], to: path) }
        let stem = URL(fileURLWithPath: path).deletingPathExtension().path
        for (i, image) in images.enumerated() { try PNGEncoder.write(image, to: "\(stem)-\(i).png") }
        try PNGEncoder.write(Grid.make(images, captions: images.indices.map { "seed \(seed &+ UInt64($0))" }), to: path)
    }

    /// NAME.png → NAME-lowres.png, where the base model's images go when upscaling.
    static func lowResPath(_ out: String) -> String {
        let url = URL(fileURLWithPath: out)
        let ext = url.pathExtension.isEmpty ? "png" : url.pathExtension
        return url.deletingPathExtension().path + "-lowres." + ext
    }
}
