import Tensor

/// Euler ancestral sampling (k-diffusion's `sample_euler_ancestral`), as diffusers'
/// `EulerAncestralDiscreteScheduler`: an Euler step down to σ_down, then fresh noise of σ_up, so each step lands on
/// the next noise level σ_next² = σ_down² + σ_up².
public struct EulerAncestralDiscreteScheduler: Scheduler {
    public let config: SchedulerConfig
    /// The training betas and ᾱ table the coefficients come from.
    public let schedule: NoiseSchedule
    /// What the model predicts (`prediction_type`).
    public let predictionType: PredictionType
    public private(set) var timesteps: [Float] = []
    /// The noise level of each timestep, then a final 0.
    public private(set) var sigmas: [Float] = []
    public var isStochastic: Bool { true }
    private var stepIndex: Int?

    /// Builds the scheduler; the config must name `EulerAncestralDiscreteScheduler` and pass validation.
    public init(config: SchedulerConfig) throws(ConfigError) {
        self.config = try config.checked(as: .eulerAncestral)
        schedule = try NoiseSchedule(config: config)
        // diffusers raises NotImplementedError for "sample" here.
        predictionType = try PredictionType(config, allowed: [.epsilon, .vPrediction])
    }

    public var initNoiseSigma: Float { sigmaInitialNoise(sigmas, config) }

    public mutating func setTimesteps(_ count: Int) throws(SchedulerError) {
        try checkStepCount(count, config)
        let steps = sigmaTimesteps(config, count)
        let trainSigmas = schedule.trainSigmas.map { Double(Float($0)) }
        sigmas = steps.map { Float(interpolate(trainSigmas, at: $0)) } + [0]
        timesteps = steps.map { Float($0) }
        stepIndex = nil
    }

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
        guard let noise else { throw SchedulerError("EulerAncestralDiscreteScheduler.step needs noise") }
        try checkShape(noise, "noise", matches: sample)
        let index = try currentIndex(timestep)
        guard index + 1 < sigmas.count else { throw SchedulerError("step past the end of the schedule") }
        let sigma = sigmas[index], next = sigmas[index + 1]
        let x0 = predictedOriginal(modelOutput, sample, sigma, predictionType)
        let up = (next * next * (sigma * sigma - next * next) / (sigma * sigma)).squareRoot()
        let down = max(next * next - up * up, 0).squareRoot()
        let derivative = divide(sample - x0, sigma)
        let prev = sample + derivative * (down - sigma) + noise * up
        stepIndex = index + 1
        return SchedulerStepOutput(prevSample: prev, predOriginalSample: x0)
    }

    public func addNoise(_ original: Tensor, noise: Tensor, timesteps: [Float]) throws(SchedulerError) -> Tensor {
        try sigmaAddNoise(original, noise, timesteps, schedule: self.timesteps, sigmas: sigmas)
    }
}
