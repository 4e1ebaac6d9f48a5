import ArgumentParser
import Diffusion
import Foundation
import Pipeline
import SafeTensors
import Tensor

/// `dbrun generate --upscaler DIR`: the second phase, a `StableDiffusionUpscalePipeline` folder run on each image.
struct UpscaleOptions: ParsableArguments {
    @Option(name: .customLong("upscaler"),
            help: "A diffusers StableDiffusionUpscalePipeline folder (e.g. the SD x4 upscaler) to upscale each image with, by its VAE's scale.")
    var folder: String?
    @Option(name: .customLong("upscale-steps"), help: "The upscaler's denoising steps (diffusers' default).")
    var steps = 75
    @Option(name: .customLong("upscale-guidance"), help: "The upscaler's classifier-free guidance scale (diffusers' default).")
    var guidance: Float = 9
    @Option(name: .customLong("noise-level"),
            help: "How much noise the upscaler puts on the image first (0 ... the folder's max_noise_level): more lets it invent more detail.")
    var noiseLevel = 20

    /// Refuses, before the base model runs, what the upscaler would refuse after it.
    func check(_ upscaler: StableDiffusionUpscale, side: Int) throws {
        guard steps >= 1 else { throw PipelineError.invalid("--upscale-steps must be at least 1") }
        guard (0...upscaler.maxNoiseLevel).contains(noiseLevel) else {
            throw PipelineError.invalid("--noise-level \(noiseLevel) is outside 0...\(upscaler.maxNoiseLevel) (the upscaler's max_noise_level)")
        }
        let step = 1 << (upscaler.unet.config.blockCount - 1)
        guard side % step == 0 else {
            throw PipelineError.invalid("--size \(side) must divide by \(step) for the upscaler's UNet")
        }
    }

    /// The upscaling of the base images (N×3×H×W in [0, 1]) with the base's prompt.
    func request(_ images: Tensor, prompt: String, negativePrompt: String?, seeds: [UInt64],
                 given: GivenNoiseOptions.Tensors) -> UpscaleRequest {
        var request = UpscaleRequest(images: images * 2 - 1, prompts: [prompt], negativePrompts: negativePrompt.map { [$0] },
                                     seeds: seeds.map(Self.seed), steps: steps, guidanceScale: guidance,
                                     noiseLevel: noiseLevel)
        request.lowResNoise = given.lowResNoise
        request.initialNoise = given.upscaleInitialNoise
        return request
    }

    /// The upscaler's stream for an image: its seed with a fixed tag, so that its noise is not a copy of the base
    /// model's draws from the same seed (the generator is keyed by the seed alone).
    static func seed(_ base: UInt64) -> UInt64 { base ^ 0x7570_7363_616c_6572 }  // "upscaler"
}

/// Hidden options for comparing with diffusers (scripts/reference/pipeline_parity.py, docs/sampling.md): given
/// noise instead of the seeds' draws, and the images as floats before they are rounded to 8 bits.
struct GivenNoiseOptions: ParsableArguments {
    @Option(name: .customLong("initial-noise"),
            help: ArgumentHelp("The base model's initial latent noise: tensor `latents`, N×C×h×w.", valueName: "FILE.safetensors",
                               visibility: .hidden))
    var initialNoise: String?
    @Option(name: .customLong("low-res-noise"),
            help: ArgumentHelp("The noise the upscaler puts on the image: tensor `noise`, N×3×H×W.", valueName: "FILE.safetensors",
                               visibility: .hidden))
    var lowResNoise: String?
    @Option(name: .customLong("upscale-initial-noise"),
            help: ArgumentHelp("The upscaler's initial latent noise: tensor `latents`, N×C×H×W.", valueName: "FILE.safetensors",
                               visibility: .hidden))
    var upscaleInitialNoise: String?
    @Option(name: .customLong("output-tensor"),
            help: ArgumentHelp("Also write the images in [0, 1] before 8-bit rounding: tensor `images` (the output) and, when upscaling, `lowres`.",
                               valueName: "FILE.safetensors", visibility: .hidden))
    var outputTensor: String?

    /// The given tensors, read before anything runs so that a bad file fails at once.
    struct Tensors {
        var initialNoise, lowResNoise, upscaleInitialNoise: Tensor?
    }

    func load() throws -> Tensors {
        Tensors(initialNoise: try initialNoise.map { try Self.tensor("latents", in: $0) },
                lowResNoise: try lowResNoise.map { try Self.tensor("noise", in: $0) },
                upscaleInitialNoise: try upscaleInitialNoise.map { try Self.tensor("latents", in: $0) })
    }

    /// One named tensor of a safetensors file; a missing file or tensor is invalid input naming it.
    static func tensor(_ name: String, in path: String) throws -> Tensor {
        do {
            return try SafeTensorsFile(path: path).tensor(name)
        } catch {
            throw PipelineError.invalid(at: SourceLocation(file: path), "\(error)")
        }
    }
}
