import Tensor

/// The denoiser's training objective as diffusers' training scripts compute it (`train_text_to_image.py`,
/// `train_dreambooth.py`): draw a timestep per sample uniformly, noise the clean latents to it with the training
/// schedule, and regress the prediction onto ε or v, optionally with offset noise and min-SNR weighting.
public struct DenoisingObjective: Sendable {
    public enum Prediction: String, Sendable, CaseIterable {
        case epsilon
        case vPrediction = "v_prediction"
    }

    public var schedule: NoiseSchedule
    public var prediction: Prediction
    /// `--offset_noise`'s strength: noise += strength · N(0, 1) per sample and channel (0 for none).
    public var offsetNoise: Float
    /// `--snr_gamma` (Hang et al. 2023): weight each sample by min(SNR, γ)/SNR (ε) or /(SNR + 1) (v); nil for none.
    public var snrGamma: Float?

    public init(schedule: NoiseSchedule, prediction: Prediction, offsetNoise: Float = 0, snrGamma: Float? = nil) {
        self.schedule = schedule
        self.prediction = prediction
        self.offsetNoise = offsetNoise
        self.snrGamma = snrGamma
    }

    /// One draw of noise and timesteps for a batch of clean samples: the denoiser's input and what it should predict.
    public struct Draw {
        public var noisy: Tensor
        public var timesteps: [Int]
        public var target: Tensor
        /// Per-sample loss weights (min-SNR), nil when every sample counts the same.
        public var weights: [Float]?
    }

    /// Noises `clean` (N×C×H×W) to uniformly drawn timesteps. Draw order: timesteps, noise, offset noise.
    public func draw(clean: Tensor, random: inout RandomGenerator) -> Draw {
        let n = clean.shape[0]
        let steps = schedule.alphasCumprod.count
        let timesteps = Tensor.uniform([n], generator: &random).scalars.map { min(Int($0 * Float(steps)), steps - 1) }
        var noise = Tensor.randn(clean.shape, generator: &random)
        if offsetNoise > 0 {
            let offset = Tensor.randn([n, clean.shape[1], 1, 1], generator: &random) * offsetNoise
            noise = noise + offset
        }
        let alphas = timesteps.map { Double(schedule.alphasCumprod[$0]) }
        let signal = Self.perSample(alphas.map { Float($0.squareRoot()) }, like: clean)
        let sigma = Self.perSample(alphas.map { Float((1 - $0).squareRoot()) }, like: clean)
        let noisy = signal * clean + sigma * noise
        let target = prediction == .epsilon ? noise : signal * noise - sigma * clean
        let weights = snrGamma.map { gamma in
            alphas.map { a -> Float in
                let snr = a / (1 - a)
                let clipped = min(snr, Double(gamma))
                return Float(prediction == .epsilon ? clipped / snr : clipped / (snr + 1))
            }
        }
        return Draw(noisy: noisy, timesteps: timesteps, target: target, weights: weights)
    }

    /// Mean squared error of the prediction against the draw's target, per-sample weighted when min-SNR is on.
    public func loss(_ predicted: Tensor, _ draw: Draw) -> Tensor {
        guard let weights = draw.weights else { return Tensor.mseLoss(predicted, draw.target) }
        let squared = (predicted - draw.target) * (predicted - draw.target)
        let perSample = squared.mean(axes: Array(1..<squared.rank))
        return (perSample * Tensor(weights)).mean()
    }

    /// The losses of samples `0..<k` and `k..<N` apart (DreamBooth's instance and prior halves), each as `loss`
    /// computes it; min-SNR weights apply to the first part only, as diffusers' `train_dreambooth.py` does.
    public func splitLoss(_ predicted: Tensor, _ draw: Draw, at k: Int) -> (first: Tensor, second: Tensor) {
        let n = predicted.shape[0]
        precondition(k > 0 && k < n, "split at \(k) of \(n) samples")
        let first = Draw(noisy: draw.noisy, timesteps: Array(draw.timesteps[..<k]), target: draw.target.slice(axis: 0, 0..<k),
                         weights: draw.weights.map { Array($0[..<k]) })
        let second = Tensor.mseLoss(predicted.slice(axis: 0, k..<n), draw.target.slice(axis: 0, k..<n))
        return (loss(predicted.slice(axis: 0, 0..<k), first), second)
    }

    /// A [N, 1, 1, …] tensor of one value per sample, broadcasting over `like`'s other axes.
    static func perSample(_ values: [Float], like: Tensor) -> Tensor {
        Tensor(shape: [values.count] + Array(repeating: 1, count: like.rank - 1), scalars: values)
    }
}

/// Classifier-free guidance needs the model to know the empty prompt: each caption is replaced by "" with this
/// probability during training (`--proportion_empty_prompts`).
public struct CaptionDropout: Sendable {
    public var probability: Float

    public init(probability: Float) { self.probability = probability }

    public func apply(_ captions: [String], random: inout RandomGenerator) -> [String] {
        guard probability > 0 else { return captions }
        let draws = Tensor.uniform([captions.count], generator: &random).scalars
        return zip(captions, draws).map { $1 < probability ? "" : $0 }
    }
}
