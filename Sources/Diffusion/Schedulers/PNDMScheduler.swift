import Tensor

/// Pseudo numerical methods for diffusion models (Liu et al. 2022), as diffusers' `PNDMScheduler`: Runge–Kutta
/// (PRK) warm-up steps, then linear multistep (PLMS). Stable Diffusion 1.x ships it with `skip_prk_steps`, which
/// replaces the warm-up by one repeated timestep (a Heun-like correction).
public struct PNDMScheduler: Scheduler {
    public let config: SchedulerConfig
    /// The training betas and ᾱ table the coefficients come from.
    public let schedule: NoiseSchedule
    /// What the model predicts (`prediction_type`).
    public let predictionType: PredictionType
    public private(set) var timesteps: [Float] = []
    public var initNoiseSigma: Float { 1 }
    public var isStochastic: Bool { false }
    let finalAlphaProd: Double
    private var stepCount = 0
    /// The PRK part of `timesteps` (empty with `skip_prk_steps`).
    private var prkTimesteps: [Int] = []
    /// Model outputs kept for the multistep formula (the last four).
    private var ets: [Tensor] = []
    /// Steps taken since `setTimesteps`.
    private var counter = 0
    /// The running Runge–Kutta combination of model outputs.
    private var runningOutput: Tensor?
    /// The sample the current Runge–Kutta (or first PLMS) step started from.
    private var startSample: Tensor?

    /// Builds the scheduler; the config must name `PNDMScheduler` and pass validation.
    public init(config: SchedulerConfig) throws(ConfigError) {
        self.config = try config.checked(as: .pndm)
        schedule = try NoiseSchedule(config: config)
        predictionType = try PredictionType(config, allowed: [.epsilon, .vPrediction])
        finalAlphaProd = config.resolvedSetAlphaToOne ? 1 : schedule.alphaProd(0)
    }

    public mutating func setTimesteps(_ count: Int) throws(SchedulerError) {
        try checkStepCount(count, config)
        let train = config.numTrainTimesteps
        stepCount = count
        // Ascending here, unlike the other schedulers.
        let base: [Int] = TimestepSpacing.integerTimesteps(config, count).reversed()
        var plms: [Int]
        if config.skipPrkSteps {
            prkTimesteps = []
            // Descending with the second-to-last timestep repeated: t_{n−1}, t_{n−2}, t_{n−2}, …, t₀.
            plms = base.count < 2 ? base : Array(base.dropLast()) + [base[base.count - 2], base[base.count - 1]]
            plms.reverse()
        } else {
            guard count >= 4 else { throw SchedulerError("PNDM's Runge–Kutta warm-up needs at least 4 steps, got \(count)") }
            // The last 4 timesteps, each with its half-step midpoint, as the Runge–Kutta stages use them.
            let half = train / count / 2
            let pairs = base.suffix(4).flatMap { [$0, $0 + half] }
            let stages = pairs.dropLast().flatMap { [$0, $0] }.dropFirst().dropLast()
            prkTimesteps = Array(stages.reversed())
            plms = Array(base.dropLast(3).reversed())
        }
        timesteps = (prkTimesteps + plms).map(Float.init)
        ets = []
        counter = 0
        runningOutput = nil
        startSample = nil
    }

    public func scaleModelInput(_ sample: Tensor, timestep: Float) -> Tensor { sample }

    public mutating func step(_ modelOutput: Tensor, timestep: Float, sample: Tensor, noise: Tensor?)
        throws(SchedulerError) -> SchedulerStepOutput
    {
        guard stepCount > 0 else { throw SchedulerError("call setTimesteps before step") }
        try checkShape(modelOutput, "model output", matches: sample)
        let t = try integerTimestep(timestep)
        let prev = counter < prkTimesteps.count && !config.skipPrkSteps
            ? try stepRungeKutta(modelOutput, t, sample)
            : try stepLinearMultistep(modelOutput, t, sample)
        counter += 1
        return SchedulerStepOutput(prevSample: prev, predOriginalSample: nil)
    }

    /// One of the four stages of a Runge–Kutta step over two half steps.
    private mutating func stepRungeKutta(_ output: Tensor, _ t: Int, _ sample: Tensor) throws(SchedulerError) -> Tensor {
        let diff = counter % 2 == 1 ? 0 : config.numTrainTimesteps / stepCount / 2
        let prevT = t - diff
        let stageStart = prkTimesteps[counter / 4 * 4]
        var combined = output
        switch counter % 4 {
        case 0:
            runningOutput = (1.0 / 6.0) * output
            ets.append(output)
            startSample = sample
        case 1, 2:
            runningOutput = runningOutput! + (1.0 / 3.0) * output
        default:
            combined = runningOutput! + (1.0 / 6.0) * output
            runningOutput = nil
        }
        return try previousSample(startSample ?? sample, stageStart, prevT, combined)
    }

    /// A linear multistep step of up to fourth order from the kept model outputs.
    private mutating func stepLinearMultistep(_ output: Tensor, _ t: Int, _ sample: Tensor) throws(SchedulerError) -> Tensor {
        if !config.skipPrkSteps, ets.count < 3 {
            throw SchedulerError("PNDM's multistep phase needs the Runge–Kutta warm-up first")
        }
        var t = t
        var prevT = t - config.numTrainTimesteps / stepCount
        var sample = sample
        if counter != 1 {
            ets = Array(ets.suffix(3)) + [output]
        } else {
            // The repeated timestep: correct the first step from its start.
            prevT = t
            t += config.numTrainTimesteps / stepCount
        }
        let combined: Tensor
        if ets.count == 1, counter == 0 {
            combined = output
            startSample = sample
        } else if ets.count == 1, counter == 1 {
            combined = (output + ets[0]) / 2
            sample = startSample!
            startSample = nil
        } else if ets.count == 2 {
            combined = (3 * ets[1] - ets[0]) / 2
        } else if ets.count == 3 {
            combined = (23 * ets[2] - 16 * ets[1] + 5 * ets[0]) / 12
        } else {
            combined = (1.0 / 24.0) * (55 * ets[3] - 59 * ets[2] + 37 * ets[1] - 9 * ets[0])
        }
        return try previousSample(sample, t, prevT, combined)
    }

    /// x_{t−δ} from x_t and ε (eq. 9 of the paper, φ of the "transfer" part).
    private func previousSample(_ sample: Tensor, _ t: Int, _ prevT: Int, _ output: Tensor) throws(SchedulerError) -> Tensor {
        let alphaProd = schedule.alphaProd(try schedule.checkedTimestep(t))
        let alphaProdPrev = prevT >= 0 ? schedule.alphaProd(try schedule.checkedTimestep(prevT)) : finalAlphaProd
        let betaProd = 1 - alphaProd, betaProdPrev = 1 - alphaProdPrev
        var epsilon = output
        if predictionType == .vPrediction {
            epsilon = Float(alphaProd.squareRoot()) * output + Float(betaProd.squareRoot()) * sample
        }
        let sampleCoefficient = (alphaProdPrev / alphaProd).squareRoot()
        let denominator = alphaProd * betaProdPrev.squareRoot() + (alphaProd * betaProd * alphaProdPrev).squareRoot()
        return Float(sampleCoefficient) * sample - Float((alphaProdPrev - alphaProd) / denominator) * epsilon
    }

    public func addNoise(_ original: Tensor, noise: Tensor, timesteps: [Float]) throws(SchedulerError) -> Tensor {
        try schedule.addNoise(original, noise: noise, timesteps: timesteps.map { t throws(SchedulerError) in
            try integerTimestep(t)
        })
    }
}
