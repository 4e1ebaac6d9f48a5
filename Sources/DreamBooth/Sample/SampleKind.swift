import Diffusion
import Foundation
import Imaging
import Pipeline
import Pretraining
import Tensor

/// `kind: sample` — the pictures: every prompt (`${identifier.token}` and other references resolved) at
/// `num_images_per_prompt` seeds from the base model, then, with an `upscaler`, ×4 by it with the same prompt.
/// Image i of every prompt starts from seed + i, so prompts compare on the same noise.
///
/// Outputs: `images` (pNN/iiii.png, and pNN/iiii-lowres.png when upscaled, with prompts.json listing them) and
/// `grids` (pNN.png: one captioned grid per prompt).
struct SampleKind: DreamBoothKind {
    let name = "sample"
    let version = 1
    let pathKeys = ["model", "upscaler"]

    func declareOutputs(of stage: StageSpec, in pipeline: PipelineSpec) throws -> [OutputDeclaration] {
        [OutputDeclaration(name: "images", form: .published(fileName: "images", isFolder: true)),
         OutputDeclaration(name: "grids", form: .published(fileName: "grids", isFolder: true))]
    }

    struct Listed: Codable {
        var prompt: String
        var files: [String]
        var lowres: [String]?
    }

    func run(_ job: StageJob) throws -> [String: PlainValue] {
        let p = StageParameters(job.stage)
        let settings = try SamplingSettings(p, steps: 25, guidance: 7.5)
        let model = try StageModels.stableDiffusion(try p.path("model", in: job), scheduler: settings.schedulerKind, stage: job.stage)
        let upscaler = try p.node("upscaler").map { _ in try StageModels.upscaler(try p.path("upscaler", in: job), stage: job.stage) }
        let upscale = UpscaleSettings(steps: try p.int("upscale_num_inference_steps", default: 25),
                                      guidance: try p.float("upscale_guidance_scale", default: 9),
                                      noiseLevel: try p.int("noise_level", default: 20))
        let prompts = p.node("prompts")?.array?.map { job.render($0) } ?? []
        guard !prompts.isEmpty else {
            throw PipelineError.invalid(at: p.node("prompts")?.location ?? job.stage.location, "stage '\(job.stage.name)': prompts must list at least one prompt")
        }
        let count = try p.int("num_images_per_prompt", default: 4)
        let seed = try seed(job)
        let seeds = (0..<UInt64(count)).map { seed &+ $0 }
        let images = job.outputURL("images"), grids = job.outputURL("grids")
        try FileManager.default.createDirectory(at: grids, withIntermediateDirectories: true)

        var listed: [Listed] = []
        let started = Date()
        for (n, prompt) in prompts.enumerated() {
            try job.checkCancellation()
            let folder = images.appendingPathComponent(String(format: "p%02d", n))
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let low = try settings.generate(model, prompt: prompt, seeds: seeds, job: job, phase: "sample \(n + 1)/\(prompts.count)")
            var shown = Image.images(from: low)
            var entry = Listed(prompt: prompt, files: [])
            if let upscaler {
                let high = try upscale.run(upscaler, images: low, prompt: prompt, negativePrompt: settings.negativePrompt,
                                           seeds: seeds, job: job, phase: "upscale \(n + 1)/\(prompts.count)")
                entry.lowres = try write(shown, to: folder, suffix: "-lowres", relativeTo: images)
                shown = Image.images(from: high)
            }
            entry.files = try write(shown, to: folder, suffix: "", relativeTo: images)
            try PNGEncoder.write(Grid.make(shown, captions: seeds.map { "seed \($0)" }),
                                 to: grids.appendingPathComponent(String(format: "p%02d.png", n)).path)
            listed.append(entry)
            let done = Double((n + 1) * count)
            job.progress.line(String(format: "'%@': %d images (%.2f img/s)", prompt, count, done / max(Date().timeIntervalSince(started), 1e-9)))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(listed).write(to: images.appendingPathComponent("prompts.json"))
        job.report(figure: "images", .int(prompts.count * count))
        return [:]
    }

    func write(_ images: [Image], to folder: URL, suffix: String, relativeTo root: URL) throws -> [String] {
        try images.enumerated().map { i, image in
            let name = String(format: "%04d%@.png", i, suffix)
            try PNGEncoder.write(image, to: folder.appendingPathComponent(name).path)
            return "\(folder.lastPathComponent)/\(name)"
        }
    }
}

/// The ×4 upscaler's settings in sampling stages (diffusers' defaults are 75 steps, guidance 9, noise level 20).
struct UpscaleSettings {
    var steps: Int
    var guidance: Float
    var noiseLevel: Int

    /// The upscaler's stream for an image: its seed with a fixed tag, so its noise is not a copy of the base
    /// model's draws from the same seed (as `dbrun generate --upscaler` does).
    static func seed(_ base: UInt64) -> UInt64 { base ^ 0x7570_7363_616c_6572 }  // "upscaler"

    /// `images` (N×3×h×w in [0, 1]) upscaled with the prompt, in [0, 1].
    func run(_ upscaler: StableDiffusionUpscale, images: Tensor, prompt: String, negativePrompt: String?,
             seeds: [UInt64], job: StageJob, phase: String) throws -> Tensor {
        guard (0...upscaler.maxNoiseLevel).contains(noiseLevel) else {
            throw PipelineError.invalid(at: job.stage.with["noise_level"]?.location ?? job.stage.location,
                                        "stage '\(job.stage.name)': noise_level \(noiseLevel) is outside 0...\(upscaler.maxNoiseLevel)")
        }
        let request = UpscaleRequest(images: images * 2 - 1, prompts: [prompt], negativePrompts: negativePrompt.map { [$0] },
                                     seeds: seeds.map(Self.seed), steps: steps, guidanceScale: guidance, noiseLevel: noiseLevel)
        let control = SamplingControl(progress: { step, total in job.progress.status("\(phase)  step \(step)/\(total)", log: false) },
                                      isCancelled: { job.isCancelled })
        do {
            return try upscaler.upscaler.upscale(request, control: control).images!
        } catch is CancellationError {
            throw PipelineError.interrupted
        }
    }
}
