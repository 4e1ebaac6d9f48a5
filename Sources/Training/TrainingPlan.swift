import Tensor

/// How to train, independent of the model: the options of diffusers' training scripts that mean something here,
/// under their names where they fit (`max_train_steps`, `gradient_accumulation_steps`, `lr_scheduler`, …).
public struct TrainingPlan: Sendable, Equatable, Codable {
    /// Optimizer steps (`max_train_steps`).
    public var steps: Int
    /// Micro-batches summed into each step (`gradient_accumulation_steps`).
    public var gradientAccumulation: Int
    /// The peak rate (`learning_rate`), already scaled if the caller applies `scale_lr`.
    public var learningRate: Float
    public var schedule: Schedule
    /// Steps of linear warm-up from 0 (`lr_warmup_steps`).
    public var warmupSteps: Int
    public var adamBeta1: Float
    public var adamBeta2: Float
    public var adamEpsilon: Float
    public var weightDecay: Float
    /// Clip the global gradient norm to this (`max_grad_norm`); nil leaves gradients as they are.
    public var maxGradNorm: Float?
    /// Keep an exponential moving average of the weights (`use_ema`); nil for none.
    public var ema: EMAPlan?
    /// Write a resumable checkpoint every this many steps (`checkpointing_steps`), and after the last.
    public var checkpointEvery: Int
    /// The seed of the noise, timestep and dropout draws (the data stream has its own, in the task).
    public var seed: UInt64

    /// diffusers' `get_scheduler` names.
    public enum Schedule: String, Sendable, Codable, CaseIterable {
        case constant
        case constantWithWarmup = "constant_with_warmup"
        case linear
        case cosine
    }

    /// diffusers' `EMAModel` options.
    public struct EMAPlan: Sendable, Equatable, Codable {
        public var decay: Double
        public var minDecay: Double
        public var updateAfterStep: Int
        /// `use_ema_warmup`: the power-law warm-up instead of (1 + t) / (10 + t).
        public var powerWarmup: Bool
        public var inverseGamma: Double
        public var power: Double

        public init(decay: Double = 0.9999, minDecay: Double = 0, updateAfterStep: Int = 0, powerWarmup: Bool = false,
                    inverseGamma: Double = 1, power: Double = 2.0 / 3.0) {
            self.decay = decay
            self.minDecay = minDecay
            self.updateAfterStep = updateAfterStep
            self.powerWarmup = powerWarmup
            self.inverseGamma = inverseGamma
            self.power = power
        }

        var warmup: ExponentialMovingAverage.Warmup {
            powerWarmup ? .powerLaw(inverseGamma: inverseGamma, power: power) : .ratio
        }
    }

    public init(steps: Int, learningRate: Float, gradientAccumulation: Int = 1, schedule: Schedule = .constant,
                warmupSteps: Int = 0, adamBeta1: Float = 0.9, adamBeta2: Float = 0.999, adamEpsilon: Float = 1e-8,
                weightDecay: Float = 1e-2, maxGradNorm: Float? = 1, ema: EMAPlan? = nil, checkpointEvery: Int = 500,
                seed: UInt64 = 0) {
        self.steps = steps
        self.learningRate = learningRate
        self.gradientAccumulation = gradientAccumulation
        self.schedule = schedule
        self.warmupSteps = warmupSteps
        self.adamBeta1 = adamBeta1
        self.adamBeta2 = adamBeta2
        self.adamEpsilon = adamEpsilon
        self.weightDecay = weightDecay
        self.maxGradNorm = maxGradNorm
        self.ema = ema
        self.checkpointEvery = checkpointEvery
        self.seed = seed
    }

    /// Problems a caller should report before anything runs, by option name.
    public var problems: [String] {
        var found: [String] = []
        if steps < 1 { found.append("steps must be at least 1 (got \(steps))") }
        if gradientAccumulation < 1 { found.append("gradient_accumulation_steps must be at least 1 (got \(gradientAccumulation))") }
        if !(learningRate > 0) || !learningRate.isFinite { found.append("learning_rate must be positive (got \(learningRate))") }
        if warmupSteps < 0 { found.append("lr_warmup_steps must not be negative (got \(warmupSteps))") }
        if checkpointEvery < 1 { found.append("checkpointing_steps must be at least 1 (got \(checkpointEvery))") }
        if let norm = maxGradNorm, !(norm > 0) { found.append("max_grad_norm must be positive (got \(norm))") }
        if !(0..<1).contains(adamBeta1) || !(0..<1).contains(adamBeta2) { found.append("adam betas must lie in [0, 1)") }
        if let ema, !((0...1).contains(ema.decay) && (0...ema.decay).contains(ema.minDecay)) {
            found.append("EMA decay must satisfy 0 ≤ ema_min_decay ≤ ema_decay ≤ 1")
        }
        return found
    }

    /// The multiplier of the peak rate at `step` (0-based), as diffusers' schedulers compute it.
    public func learningRateFactor(at step: Int) -> Float {
        switch schedule {
        case .constant: LearningRateSchedule.constant.factor(at: step)
        case .constantWithWarmup: LearningRateSchedule.warmup(steps: warmupSteps).factor(at: step)
        case .linear: LearningRateSchedule.linear(warmupSteps: warmupSteps, totalSteps: steps).factor(at: step)
        case .cosine: LearningRateSchedule.cosine(warmupSteps: warmupSteps, totalSteps: steps).factor(at: step)
        }
    }
}
