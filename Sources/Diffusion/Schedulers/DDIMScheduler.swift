import Tensor

/// Denoising diffusion implicit models (Song et al. 2020), as diffusers' `DDIMScheduler`: deterministic at
/// `eta = 0` (SD 2.x's default sampler), DDPM-like noise as `eta` grows to 1.
public struct DDIMScheduler: Scheduler {
    public let config: SchedulerConfig
    /// The training betas and ᾱ table the coefficients come from.
    public let schedule: NoiseSchedule
    /// What the model predicts (`prediction_type`).
    public let predictionType: PredictionType
    /// The weight of fresh noise (η in the paper; diffusers passes it to every `step`, dbrun holds it here).
    public var eta: Double = 0
    public private(set) var timesteps: [Float] = []
    public var initNoiseSigma: Float { 1 }
    public var isStochastic: Bool { eta > 0 }
    /// ᾱ before the first training step: 1 with `set_alpha_to_one`, else ᾱ₀.
    let finalAlphaProd: Double
    private var stepCount = 0

    /// Builds the scheduler; the config must name `DDIMScheduler` and pass validation.
    public init(config: SchedulerConfig, eta: Double = 0) throws(ConfigError) {
        self.config = try config.checked(as: .ddim)
        schedule = try NoiseSchedule(config: config)
        predictionType = try PredictionType(config, allowed: [.epsilon, .sample, .vPrediction])
        finalAlphaProd = config.resolvedSetAlphaToOne ? 1 : schedule.alphaProd(0)
        self.eta = eta
    }

    public mutating func setTimesteps(_ count: Int) throws(SchedulerError) {
        try checkStepCount(count, config)
        stepCount = count
        timesteps = TimestepSpacing.integerTimesteps(config, count).map(Float.init)
    }

    public func scaleModelInput(_ sample: Tensor, timestep: Float) -> Tensor { sample }

    public mutating func step(_ modelOutput: Tensor, timestep: Float, sample: Tensor, noise: Tensor?)
        throws(SchedulerError) -> SchedulerStepOutput
    {
        guard stepCount > 0 else { throw SchedulerError("call setTimesteps before step") }
        try checkShape(modelOutput, "model output", matches: sample)
        let t = try schedule.checkedTimestep(integerTimestep(timestep))
        // diffusers steps back by num_train_timesteps // steps whatever the spacing; so does dbrun, to match it.
        let prevT = t - config.numTrainTimesteps / stepCount
        let alphaProd = schedule.alphaProd(t)
        let alphaProdPrev = prevT >= 0 ? schedule.alphaProd(prevT) : finalAlphaProd
        let betaProd = 1 - alphaProd
        let sqrtA = Float(alphaProd.squareRoot()), sqrtB = Float(betaProd.squareRoot())

        var x0: Tensor, epsilon: Tensor
        switch predictionType {
        case .epsilon:
            x0 = (sample - sqrtB * modelOutput) / sqrtA
            epsilon = modelOutput
        case .sample:
            x0 = modelOutput
            epsilon = (sample - sqrtA * x0) / sqrtB
        case .vPrediction:
            x0 = sqrtA * sample - sqrtB * modelOutput
            epsilon = sqrtA * modelOutput + sqrtB * sample
        }
        if config.clipSample {
            let r = Float(config.clipSampleRange)
            x0 = x0.clamp(min: -r, max: r)
        }
        // σ_t(η) of eq. 16.
        let variance = (1 - alphaProdPrev) / betaProd * (1 - alphaProd / alphaProdPrev)
        let std = eta * variance.squareRoot()
        let direction = Float((1 - alphaProdPrev - std * std).squareRoot()) * epsilon
        var prev = Float(alphaProdPrev.squareRoot()) * x0 + direction
        if eta > 0 {
            guard let noise else { throw SchedulerError("DDIMScheduler.step with eta > 0 needs noise") }
            try checkShape(noise, "noise", matches: sample)
            prev = prev + Float(std) * noise
        }
        return SchedulerStepOutput(prevSample: prev, predOriginalSample: x0)
    }

    public func addNoise(_ original: Tensor, noise: Tensor, timesteps: [Float]) throws(SchedulerError) -> Tensor {
        try schedule.addNoise(original, noise: noise, timesteps: timesteps.map { t throws(SchedulerError) in
            try integerTimestep(t)
        })
    }

    /// The v-prediction training target (diffusers' `get_velocity`).
    public func velocity(_ sample: Tensor, noise: Tensor, timesteps: [Int]) throws(SchedulerError) -> Tensor {
        try schedule.velocity(sample, noise: noise, timesteps: timesteps)
    }
}
