import Foundation
import Tensor

/// Denoising diffusion probabilistic models (Ho et al. 2020), as diffusers' `DDPMScheduler`: ancestral sampling
/// with a fixed or learned variance, and the training-side forward process (`addNoise`, `velocity`).
///
/// The x4 upscaler also uses one, with its own config, to noise the low-resolution conditioning image.
public struct DDPMScheduler: Scheduler {
    /// How the step's variance is chosen (`variance_type`).
    public enum VarianceType: String, Sendable {
        /// The posterior variance β̃_t (DDPM's σ² = β̃).
        case fixedSmall = "fixed_small"
        /// β̃_t through log and exp (the std from exp(½·log β̃)).
        case fixedSmallLog = "fixed_small_log"
        /// β_t.
        case fixedLarge = "fixed_large"
        /// The model outputs 2·C channels; the second half is the variance itself.
        case learned
        /// The second half interpolates log β̃_t and log β_t (Nichol & Dhariwal 2021), from [-1, 1].
        case learnedRange = "learned_range"
    }

    public let config: SchedulerConfig
    /// The training betas and ᾱ table the coefficients come from.
    public let schedule: NoiseSchedule
    /// What the model predicts (`prediction_type`).
    public let predictionType: PredictionType
    public let varianceType: VarianceType
    public private(set) var timesteps: [Float] = []
    public var initNoiseSigma: Float { 1 }
    public var isStochastic: Bool { true }

    /// Builds the scheduler; the config must name `DDPMScheduler` and pass validation.
    public init(config: SchedulerConfig) throws(ConfigError) {
        self.config = try config.checked(as: .ddpm)
        schedule = try NoiseSchedule(config: config)
        predictionType = try PredictionType(config, allowed: [.epsilon, .sample, .vPrediction])
        let name = config.resolvedVarianceType ?? "fixed_small"
        guard let variance = VarianceType(rawValue: name) else {
            throw ConfigError.unsupported("variance_type", "\"\(name)\"",
                                          supported: ["fixed_small", "fixed_small_log", "fixed_large", "learned",
                                                      "learned_range"])
        }
        varianceType = variance
    }

    public mutating func setTimesteps(_ count: Int) throws(SchedulerError) {
        try checkStepCount(count, config)
        timesteps = TimestepSpacing.integerTimesteps(config, count).map(Float.init)
    }

    public func scaleModelInput(_ sample: Tensor, timestep: Float) -> Tensor { sample }

    /// The timestep after `t` in the schedule (−1 after the last), or `t − 1` when no schedule is set (training-time
    /// use over all 1000 steps, as diffusers).
    func previousTimestep(_ t: Int) throws(SchedulerError) -> Int {
        guard !timesteps.isEmpty else { return t - 1 }
        guard let index = timesteps.firstIndex(of: Float(t)) else {
            throw SchedulerError("timestep \(t) is not in the schedule; pass one of `timesteps`")
        }
        return index + 1 < timesteps.count ? Int(timesteps[index + 1]) : -1
    }

    public mutating func step(_ modelOutput: Tensor, timestep: Float, sample: Tensor, noise: Tensor?)
        throws(SchedulerError) -> SchedulerStepOutput
    {
        let t = try schedule.checkedTimestep(integerTimestep(timestep))
        let prevT = try previousTimestep(t)
        var output = modelOutput
        var predictedVariance: Tensor?
        if varianceType == .learned || varianceType == .learnedRange {
            let c = sample.rank == 4 ? sample.shape[1] : 0
            guard modelOutput.rank == 4, modelOutput.shape[1] == 2 * c else {
                throw SchedulerError("variance_type \"\(varianceType.rawValue)\" needs a model output of \(2 * c) "
                    + "channels (prediction and variance), got shape \(modelOutput.shape)")
            }
            let halves = modelOutput.split([c, c], axis: 1)
            output = halves[0]
            predictedVariance = halves[1]
        }
        try checkShape(output, "model output", matches: sample)

        let alphaProd = schedule.alphaProd(t)
        let alphaProdPrev = prevT >= 0 ? schedule.alphaProd(prevT) : 1
        let betaProd = 1 - alphaProd, betaProdPrev = 1 - alphaProdPrev
        let currentAlpha = alphaProd / alphaProdPrev
        let currentBeta = 1 - currentAlpha

        var x0: Tensor
        switch predictionType {
        case .epsilon: x0 = (sample - Float(betaProd.squareRoot()) * output) / Float(alphaProd.squareRoot())
        case .sample: x0 = output
        case .vPrediction: x0 = Float(alphaProd.squareRoot()) * sample - Float(betaProd.squareRoot()) * output
        }
        if config.clipSample {
            let r = Float(config.clipSampleRange)
            x0 = x0.clamp(min: -r, max: r)
        }
        // The posterior mean μ̃_t(x_t, x₀), eq. 7 of the DDPM paper.
        let x0Coefficient = Float(alphaProdPrev.squareRoot() * currentBeta / betaProd)
        let sampleCoefficient = Float(currentAlpha.squareRoot() * betaProdPrev / betaProd)
        var prev = x0Coefficient * x0 + sampleCoefficient * sample

        if t > 0 {
            guard let noise else { throw SchedulerError("DDPMScheduler.step needs noise for timestep \(t) > 0") }
            try checkShape(noise, "noise", matches: sample)
            // β̃_t, the posterior variance, floored as diffusers does.
            let posterior = max(betaProdPrev / betaProd * currentBeta, 1e-20)
            switch varianceType {
            case .fixedSmall: prev = prev + Float(posterior.squareRoot()) * noise
            case .fixedSmallLog: prev = prev + Float(exp(0.5 * log(posterior))) * noise
            case .fixedLarge: prev = prev + Float(currentBeta.squareRoot()) * noise
            case .learned: prev = prev + predictedVariance!.sqrt() * noise
            case .learnedRange:
                let minLog = Float(log(posterior)), maxLog = Float(log(currentBeta))
                let frac = (predictedVariance! + 1) / 2
                let logVariance = frac * maxLog + (1 - frac) * minLog
                prev = prev + (0.5 * logVariance).exp() * noise
            }
        }
        return SchedulerStepOutput(prevSample: prev, predOriginalSample: x0)
    }

    public func addNoise(_ original: Tensor, noise: Tensor, timesteps: [Float]) throws(SchedulerError) -> Tensor {
        try schedule.addNoise(original, noise: noise, timesteps: timesteps.map { t throws(SchedulerError) in
            try integerTimestep(t)
        })
    }

    /// The forward process at integer training timesteps (one per batch item, or one for all).
    public func addNoise(_ original: Tensor, noise: Tensor, timesteps: [Int]) throws(SchedulerError) -> Tensor {
        try schedule.addNoise(original, noise: noise, timesteps: timesteps)
    }

    /// The v-prediction training target for `sample` noised with `noise` at `timesteps` (diffusers' `get_velocity`).
    public func velocity(_ sample: Tensor, noise: Tensor, timesteps: [Int]) throws(SchedulerError) -> Tensor {
        try schedule.velocity(sample, noise: noise, timesteps: timesteps)
    }

    /// What the model learns to predict for `sample` noised with `noise` at `timesteps`, by `prediction_type`: the
    /// noise, the velocity, or the clean sample (the branch of diffusers' training scripts).
    public func trainingTarget(_ sample: Tensor, noise: Tensor, timesteps: [Int]) throws(SchedulerError) -> Tensor {
        switch predictionType {
        case .epsilon: noise
        case .vPrediction: try velocity(sample, noise: noise, timesteps: timesteps)
        case .sample: sample
        }
    }

    /// `count` training timesteps drawn uniformly from 0..<num_train_timesteps (torch.randint in the scripts).
    public func randomTimesteps(_ count: Int, generator: inout RandomGenerator) -> [Int] {
        (0..<count).map { _ in generator.nextInt(below: config.numTrainTimesteps) }
    }
}
