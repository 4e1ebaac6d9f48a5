import Diffusion
import Foundation
import Imaging
import Pipeline
import Pretraining
import Tensor

/// How a stage samples a text-to-image model: the `with:` keys every sampling stage shares, under diffusers' names
/// (`num_inference_steps`, `guidance_scale`, `negative_prompt`), and the sampling itself with progress on the
/// stage's line and Ctrl-C honoured between steps.
struct SamplingSettings: Equatable {
    /// A short scheduler name (`ddim`, `euler`, … see `SchedulerConfig.Kind.shortNames`); nil keeps the folder's.
    var scheduler: String?
    var steps: Int
    var guidance: Float
    var negativePrompt: String?
    /// Image side in pixels; nil for the model's training size.
    var size: Int?

    /// Reads the settings, with the kind's own default step count and guidance.
    init(_ p: StageParameters, steps: Int, guidance: Float) throws {
        scheduler = try p.optionalString("scheduler")
        self.steps = try p.int("num_inference_steps", default: steps)
        self.guidance = try p.float("guidance_scale", default: guidance)
        negativePrompt = try p.optionalString("negative_prompt")
        size = try p.node("resolution").map { _ in try p.int("resolution", default: 0) }
        if let name = scheduler, SchedulerConfig.Kind(shortName: name) == nil {
            throw PipelineError.invalid(at: p.node("scheduler")?.location ?? p.stage.location,
                                        "stage '\(p.stage.name)': unknown scheduler '\(name)'",
                                        hint: "one of: " + SchedulerConfig.Kind.shortNames.keys.sorted().joined(separator: ", "))
        }
    }

    init(scheduler: String? = nil, steps: Int, guidance: Float, negativePrompt: String? = nil, size: Int? = nil) {
        self.scheduler = scheduler
        self.steps = steps
        self.guidance = guidance
        self.negativePrompt = negativePrompt
        self.size = size
    }

    var schedulerKind: SchedulerConfig.Kind? { scheduler.flatMap(SchedulerConfig.Kind.init(shortName:)) }

    /// What makes an image of these settings what it is (with the model's content hash, the prompt and its seed):
    /// the identity of a memoized sample.
    var identity: PlainValue {
        .object(["scheduler": scheduler.map(PlainValue.string) ?? .null, "num_inference_steps": .int(steps),
                 "guidance_scale": .double(Double(guidance)), "negative_prompt": negativePrompt.map(PlainValue.string) ?? .null,
                 "resolution": size.map(PlainValue.int) ?? .null])
    }

    /// `prompt` at each seed, in [0, 1] N×3×S×S, a few images per call so memory stays flat.
    func generate(_ model: StableDiffusion, prompt: String, seeds: [UInt64], job: StageJob, phase: String) throws -> Tensor {
        let side = size ?? model.defaultImageSize
        var request = TextToImageRequest(prompts: [prompt], negativePrompts: negativePrompt.map { [$0] }, seeds: seeds,
                                         steps: steps, guidanceScale: guidance,
                                         latentHeight: side / model.vaeScale, latentWidth: side / model.vaeScale)
        request.guidanceRescale = 0
        let control = SamplingControl(progress: { step, total in job.progress.status("\(phase)  step \(step)/\(total)", log: false) },
                                      isCancelled: { job.isCancelled })
        do {
            return try model.textToImage.generate(request, control: control).images!
        } catch is CancellationError {
            throw PipelineError.interrupted
        }
    }
}

/// A model folder a stage reads, loaded with the folder named in any error.
enum StageModels {
    static func stableDiffusion(_ url: URL, scheduler: SchedulerConfig.Kind? = nil, stage: StageSpec) throws -> StableDiffusion {
        do {
            return try StableDiffusion(folder: url.path, scheduler: scheduler)
        } catch {
            throw PipelineError.invalid(at: SourceLocation(file: url.path), "stage '\(stage.name)': \(error)")
        }
    }

    static func upscaler(_ url: URL, scheduler: SchedulerConfig.Kind? = nil, stage: StageSpec) throws -> StableDiffusionUpscale {
        do {
            return try StableDiffusionUpscale(folder: url.path, scheduler: scheduler)
        } catch {
            throw PipelineError.invalid(at: SourceLocation(file: url.path), "stage '\(stage.name)': \(error)")
        }
    }
}
