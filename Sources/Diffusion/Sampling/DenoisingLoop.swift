import Tensor

/// The model the sampler drives: `UNet2DConditionModel`'s forward, or any stand-in with its signature.
///
/// - `latents`: N×C×H×W model input (already scaled by the scheduler, with any conditioning channels appended);
/// - `timestep`: the scheduler's timestep (fractional for Euler-type schedulers);
/// - `context`: N×T×E text embeddings (cross-attention `encoder_hidden_states`);
/// - `classLabels`: one per batch item for class-conditioned models (the upscaler's noise level), else nil.
/// Returns the model output, N×C'×H×W.
public typealias Denoiser = (_ latents: Tensor, _ timestep: Float, _ context: Tensor, _ classLabels: [Int]?) throws -> Tensor

/// Turns final latents into images: `AutoencoderKL`'s decoder, or a stand-in.
public struct LatentDecoder {
    /// The VAE's `scaling_factor`: latents are divided by it before decoding, as diffusers does.
    public var scalingFactor: Float
    /// N×C×h×w latents (unscaled) → N×3×H×W images in [-1, 1].
    public var decode: (Tensor) throws -> Tensor

    public init(scalingFactor: Float, decode: @escaping (Tensor) throws -> Tensor) {
        self.scalingFactor = scalingFactor
        self.decode = decode
    }

    /// Images in [0, 1], as diffusers' `(image / 2 + 0.5).clamp(0, 1)`.
    func images(_ latents: Tensor) throws -> Tensor {
        (try decode(latents / scalingFactor) / 2 + 0.5).clamp(min: 0, max: 1)
    }
}

/// Progress and cancellation for a sampling run (the CLI shows one and maps the other to exit code 130).
public struct SamplingControl {
    /// Called after each step with (steps done, total steps).
    public var progress: ((_ step: Int, _ total: Int) -> Void)?
    /// Checked before each step; when it returns true the run throws `CancellationError`.
    public var isCancelled: () -> Bool

    public init(progress: ((Int, Int) -> Void)? = nil, isCancelled: @escaping () -> Bool = { Task.isCancelled }) {
        self.progress = progress
        self.isCancelled = isCancelled
    }
}

/// What a sampler returns.
public struct SamplingResult {
    /// The final latents, N×C×H×W.
    public let latents: Tensor
    /// Decoded images in [0, 1] (N×3×H×W) when a decoder was given.
    public let images: Tensor?
}

/// Why sampling inputs were refused; names the parameter.
public struct SamplingError: Error, CustomStringConvertible, Sendable, Equatable {
    public let field: String
    public let message: String
    public init(field: String, _ message: String) {
        self.field = field
        self.message = message
    }
    public var description: String { "\(field): \(message)" }
}

/// The conditioning of one denoising run: text embeddings, guidance, and for the upscaler the extra image channels
/// and class labels.
struct Conditioning {
    /// N×T×E embeddings of the prompts.
    var context: Tensor
    /// N×T×E embeddings of the negative (or empty) prompts; nil when guidance is off.
    var unconditionalContext: Tensor?
    var guidanceScale: Float
    /// φ of "Common Diffusion Noise Schedules and Sample Steps are Flawed" §3.4 (diffusers' `guidance_rescale`): the
    /// guided prediction is pulled towards the conditional one's standard deviation, against over-exposure with
    /// v-prediction models. 0 turns it off.
    var guidanceRescale: Float = 0
    /// Appended to the scaled latents along channels at every step (the upscaler's noised low-res image), N×C'×H×W.
    var extraChannels: Tensor?
    /// One per image (the upscaler's noise level).
    var classLabels: [Int]?

    /// Classifier-free guidance is on when the scale exceeds 1 (diffusers' `do_classifier_free_guidance`).
    var guided: Bool { guidanceScale > 1 && unconditionalContext != nil }
}

/// The denoising loop shared by text-to-image and upscaling, as diffusers' pipelines run it: per step, scale the
/// input, append conditioning channels, one model call for the unconditional and conditional halves, combine
/// them, and step the scheduler (with per-image noise if it is stochastic).
func runDenoisingLoop(
    scheduler: inout any Scheduler, latents initial: Tensor, conditioning: Conditioning, noise: inout SeededNoise,
    denoiser: Denoiser, control: SamplingControl
) throws -> Tensor {
    var latents = initial
    let itemShape = Array(initial.shape.dropFirst())
    // One batch for both halves, unconditional first, as diffusers concatenates them.
    let context = conditioning.guided
        ? Tensor.concat([conditioning.unconditionalContext!, conditioning.context], axis: 0) : conditioning.context
    let copies = conditioning.guided ? 2 : 1
    let extra = conditioning.extraChannels.map { copies == 2 ? Tensor.concat([$0, $0], axis: 0) : $0 }
    let labels = conditioning.classLabels.map { Array(repeating: $0, count: copies).flatMap { $0 } }
    let total = scheduler.timesteps.count
    for (i, t) in scheduler.timesteps.enumerated() {
        if control.isCancelled() { throw CancellationError() }
        let doubled = copies == 2 ? Tensor.concat([latents, latents], axis: 0) : latents
        var input = try scheduler.scaleModelInput(doubled, timestep: t)
        if let extra { input = Tensor.concat([input, extra], axis: 1) }
        var output = try denoiser(input, t, context, labels)
        if conditioning.guided {
            let halves = output.chunk(2, axis: 0)
            output = halves[0] + conditioning.guidanceScale * (halves[1] - halves[0])
            if conditioning.guidanceRescale > 0 {
                output = rescaleGuidance(output, conditional: halves[1], factor: conditioning.guidanceRescale)
            }
        }
        let stepNoise = scheduler.isStochastic ? noise.draw(itemShape) : nil
        latents = try scheduler.step(output, timestep: t, sample: latents, noise: stepNoise).prevSample
        control.progress?(i + 1, total)
    }
    return latents
}

/// Mixes `guided` with itself rescaled to `conditional`'s per-item standard deviation (unbiased, as torch.std).
func rescaleGuidance(_ guided: Tensor, conditional: Tensor, factor: Float) -> Tensor {
    let axes = Array(1..<guided.rank)
    let stdConditional = conditional.variance(axes: axes, keepDim: true).sqrt()
    let stdGuided = guided.variance(axes: axes, keepDim: true).sqrt()
    let rescaled = guided * (stdConditional / stdGuided)
    return factor * rescaled + (1 - factor) * guided
}

/// Prompt embeddings for `count` images: `prompts` (1 for all, or one each) and, under guidance, the negative
/// prompts (1 for all, one each, or none: the empty prompt, as diffusers).
func encodePrompts(
    _ prompts: [String], negative: [String]?, count: Int, guided: Bool, encode: ([String]) throws -> Tensor
) throws -> (context: Tensor, unconditional: Tensor?) {
    func batch(_ texts: [String], _ field: String) throws -> Tensor {
        guard texts.count == 1 || texts.count == count else {
            throw SamplingError(field: field, "\(texts.count) given for \(count) images; give 1 or \(count)")
        }
        let embeddings = try encode(texts)
        guard embeddings.rank == 3, embeddings.shape[0] == texts.count else {
            throw SamplingError(field: field, "the text encoder returned shape \(embeddings.shape) for \(texts.count) prompts; expected \(texts.count)×T×E")
        }
        return texts.count == count ? embeddings : Tensor.concat(Array(repeating: embeddings, count: count), axis: 0)
    }
    let context = try batch(prompts, "prompts")
    guard guided else { return (context, nil) }
    let unconditional = try batch(negative ?? [""], "negativePrompts")
    guard unconditional.shape == context.shape else {
        throw SamplingError(field: "negativePrompts", "embeddings of shape \(unconditional.shape) differ from the prompts' \(context.shape)")
    }
    return (context, unconditional)
}
