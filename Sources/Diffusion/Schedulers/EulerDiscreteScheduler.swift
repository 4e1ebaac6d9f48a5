import Foundation
import Tensor

/// Euler's method on the probability-flow ODE in Karras et al.'s σ parametrisation (x = x₀ + σ·ε), as diffusers'
/// `EulerDiscreteScheduler` (k-diffusion's `sample_euler` without churn).
public struct EulerDiscreteScheduler: Scheduler {
    public let config: SchedulerConfig
    /// The training betas and ᾱ table the coefficients come from.
    public let schedule: NoiseSchedule
    /// What the model predicts (`prediction_type`).
    public let predictionType: PredictionType
    public private(set) var timesteps: [Float] = []
    /// The noise level of each timestep, then a final 0 (one more entry than `timesteps`).
    public private(set) var sigmas: [Float] = []
    public var isStochastic: Bool { false }
    private var stepIndex: Int?

    /// Builds the scheduler; the config must name `EulerDiscreteScheduler` and pass validation.
    public init(config: SchedulerConfig) throws(ConfigError) {
        self.config = try config.checked(as: .euler)
        schedule = try NoiseSchedule(config: config)
        predictionType = try PredictionType(config, allowed: [.epsilon, .sample, .vPrediction])
    }

    /// The largest σ, or √(σ²+1) under `leading` spacing, whose first timestep is not the noisiest.
    public var initNoiseSigma: Float { sigmaInitialNoise(sigmas, config) }

    public mutating func setTimesteps(_ count: Int) throws(SchedulerError) {
        try checkStepCount(count, config)
        let fractional = sigmaTimesteps(config, count)
        let trainSigmas = schedule.trainSigmas.map { Double(Float($0)) }
        var levels = fractional.map { interpolate(trainSigmas, at: $0) }
        var steps = fractional
        if config.useKarrasSigmas {
            levels = karrasSigmas(min: levels[levels.count - 1], max: levels[0], count: count)
            let logSigmas = trainSigmas.map { Double(Float(log(Float($0)))) }
            steps = levels.map { timestep(forSigma: $0, logSigmas: logSigmas) }
        }
        sigmas = levels.map { Float($0) } + [0]
        timesteps = steps.map { Float($0) }
        stepIndex = nil
    }

    /// Divides by √(σ²+1) so the model sees unit-variance input, as it was trained on.
    public func scaleModelInput(_ sample: Tensor, timestep: Float) throws(SchedulerError) -> Tensor {
        scaledInput(sample, sigmas[try currentIndex(timestep)])
    }

    private func currentIndex(_ timestep: Float) throws(SchedulerError) -> Int {
        try sigmaIndex(of: timestep, in: timesteps, stepping: stepIndex)
    }

    public mutating func step(_ modelOutput: Tensor, timestep: Float, sample: Tensor, noise: Tensor?)
        throws(SchedulerError) -> SchedulerStepOutput
    {
        try checkShape(modelOutput, "model output", matches: sample)
        let index = try currentIndex(timestep)
        guard index + 1 < sigmas.count else { throw SchedulerError("step past the end of the schedule") }
        let sigma = sigmas[index]
        let x0 = predictedOriginal(modelOutput, sample, sigma, predictionType)
        // dx/dσ = (x − x₀)/σ, taken to the next σ.
        let derivative = divide(sample - x0, sigma)
        let prev = sample + derivative * (sigmas[index + 1] - sigma)
        stepIndex = index + 1
        return SchedulerStepOutput(prevSample: prev, predOriginalSample: x0)
    }

    /// `original + σ·noise` at each timestep's σ (timesteps must be in the current schedule).
    public func addNoise(_ original: Tensor, noise: Tensor, timesteps: [Float]) throws(SchedulerError) -> Tensor {
        try sigmaAddNoise(original, noise, timesteps, schedule: self.timesteps, sigmas: sigmas)
    }
}

// Shared by the two Euler schedulers (each keeps its own file for its step).

/// The fractional timesteps of the Euler schedulers, descending (Float32 as diffusers stores them).
func sigmaTimesteps(_ config: SchedulerConfig, _ count: Int) -> [Double] {
    let train = config.numTrainTimesteps
    let values: [Double]
    switch config.resolvedTimestepSpacing {
    case "linspace":
        values = TimestepSpacing.linspace(0, Double(train - 1), count).reversed()
    case "leading":
        let ratio = train / count
        values = (0..<count).reversed().map { Double($0 * ratio + config.stepsOffset) }
    default:  // trailing
        let ratio = Double(train) / Double(count)
        values = TimestepSpacing.descendingArange(from: Double(train), step: ratio).map { TimestepSpacing.round($0) - 1 }
    }
    return values.map { Double(Float($0)) }
}

/// The initial noise scale of a σ schedule.
func sigmaInitialNoise(_ sigmas: [Float], _ config: SchedulerConfig) -> Float {
    let maximum = Double(sigmas.max() ?? 0)
    return config.resolvedTimestepSpacing == "leading" ? Float((maximum * maximum + 1).squareRoot()) : Float(maximum)
}

// The σ-space steps cancel large terms (x ≈ σ·ε with σ up to ~15, or ~4000 with zero terminal SNR), so they
// repeat torch's float32 operations one for one: coefficients in Float, true division rather than a reciprocal.

/// `t / s` elementwise, correctly rounded (the engine's tensor-by-scalar division multiplies by 1/s).
func divide(_ t: Tensor, _ s: Float) -> Tensor { t / Tensor(scalar: s) }

/// The model input at noise level σ: x / √(σ² + 1).
func scaledInput(_ sample: Tensor, _ sigma: Float) -> Tensor { divide(sample, (sigma * sigma + 1).squareRoot()) }

/// x₀ from the model output at noise level σ (inputs were scaled by 1/√(σ²+1)).
func predictedOriginal(_ output: Tensor, _ sample: Tensor, _ sigma: Float, _ type: PredictionType) -> Tensor {
    switch type {
    case .epsilon: return sample - sigma * output
    case .sample: return output
    case .vPrediction:
        let s2 = sigma * sigma + 1
        return output * (-sigma / s2.squareRoot()) + divide(sample, s2)
    }
}

/// `original + σ·noise` for schedule timesteps.
func sigmaAddNoise(_ original: Tensor, _ noise: Tensor, _ timesteps: [Float], schedule: [Float], sigmas: [Float])
    throws(SchedulerError) -> Tensor
{
    guard !schedule.isEmpty else { throw SchedulerError("call setTimesteps before addNoise") }
    try checkBatch(original, noise, timesteps.count)
    let levels = try timesteps.map { t throws(SchedulerError) in Double(sigmas[try stepIndex(of: t, in: schedule)]) }
    return original + noise * perItem(levels, original.rank)
}
