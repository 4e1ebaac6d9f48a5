import Foundation
import Tensor

/// DPM-Solver++ (Lu et al. 2022), multistep, as diffusers' `DPMSolverMultistepScheduler` with
/// `algorithm_type = "dpmsolver++"`: "DPM++ 2M" at the default `solver_order` 2 with the midpoint update (with
/// Karras sigmas, "DPM++ 2M Karras"); also first and third order, and the Heun second-order update. It solves the
/// diffusion ODE in λ = log(α/σ) from the model's x₀ predictions.
public struct DPMSolverMultistepScheduler: Scheduler {
    public let config: SchedulerConfig
    /// The training betas and ᾱ table the coefficients come from.
    public let schedule: NoiseSchedule
    /// What the model predicts (`prediction_type`).
    public let predictionType: PredictionType
    public private(set) var timesteps: [Float] = []
    /// σ of each timestep (in the σ = √((1−ᾱ)/ᾱ) sense), then a final 0.
    public private(set) var sigmas: [Float] = []
    public var initNoiseSigma: Float { 1 }
    public var isStochastic: Bool { false }
    private var stepIndex: Int?
    /// The latest x₀ predictions, newest last (up to `solver_order`).
    private var modelOutputs: [Tensor] = []
    /// How many steps have run at less than full order (the warm-up).
    private var lowerOrderCount = 0

    /// Builds the scheduler; the config must name `DPMSolverMultistepScheduler` and pass validation.
    public init(config: SchedulerConfig) throws(ConfigError) {
        self.config = try config.checked(as: .dpmSolverMultistep)
        schedule = try NoiseSchedule(config: config)
        predictionType = try PredictionType(config, allowed: [.epsilon, .sample, .vPrediction])
    }

    public mutating func setTimesteps(_ count: Int) throws(SchedulerError) {
        try checkStepCount(count, config)
        let train = config.numTrainTimesteps
        // lambda_min_clipped is -inf (the only value accepted), so nothing is clipped off the end.
        let last = train
        var steps: [Double]
        switch config.resolvedTimestepSpacing {
        case "linspace":
            steps = TimestepSpacing.linspace(0, Double(last - 1), count + 1).map(TimestepSpacing.round).reversed().dropLast()
        case "leading":
            let ratio = last / (count + 1)
            steps = (1...count).reversed().map { Double($0 * ratio + config.stepsOffset) }
        default:  // trailing
            let ratio = Double(train) / Double(count)
            steps = TimestepSpacing.descendingArange(from: Double(last), step: ratio).map { TimestepSpacing.round($0) - 1 }
        }
        let trainSigmas = schedule.trainSigmas.map { Double(Float($0)) }
        var levels: [Double]
        if config.useKarrasSigmas {
            levels = karrasSigmas(min: trainSigmas[0], max: trainSigmas[train - 1], count: count)
            let logSigmas = trainSigmas.map { Double(Float(log(Float($0)))) }
            steps = levels.map { timestep(forSigma: $0, logSigmas: logSigmas) }
            if config.betaSchedule != "squaredcos_cap_v2" { steps = steps.map(TimestepSpacing.round) }
        } else {
            levels = steps.map { interpolate(trainSigmas, at: $0) }
        }
        sigmas = levels.map { Float($0) } + [0]
        // Stored as integers, as diffusers does (Karras timesteps are rounded or truncated here).
        timesteps = steps.map { Float(Int64($0)) }
        stepIndex = nil
        modelOutputs = []
        lowerOrderCount = 0
    }

    public func scaleModelInput(_ sample: Tensor, timestep: Float) -> Tensor { sample }

    /// α_t = 1/√(σ²+1) and σ_t = σ·α_t of the variance-preserving process at noise level `sigma`.
    private func alphaSigma(_ index: Int) -> (alpha: Double, sigma: Double) {
        let s = Double(sigmas[index])
        let alpha = 1 / (s * s + 1).squareRoot()
        return (alpha, s * alpha)
    }

    /// λ = log α − log σ (−∞… +∞ at σ = 0).
    private func lambda(_ index: Int) -> Double {
        let (a, s) = alphaSigma(index)
        return log(a) - log(s)
    }

    public mutating func step(_ modelOutput: Tensor, timestep: Float, sample: Tensor, noise: Tensor?)
        throws(SchedulerError) -> SchedulerStepOutput
    {
        guard !timesteps.isEmpty else { throw SchedulerError("call setTimesteps before step") }
        try checkShape(modelOutput, "model output", matches: sample)
        let index: Int
        if let stepIndex { index = stepIndex } else { index = try Diffusion.stepIndex(of: timestep, in: timesteps) }
        guard index + 1 < sigmas.count else { throw SchedulerError("step past the end of the schedule") }
        let count = timesteps.count
        // final_sigmas_type "zero" makes the last step first order whatever lower_order_final says; with fewer than
        // 15 steps, lower_order_final also keeps the second-to-last step at second order.
        let lastStep = index == count - 1
        let secondToLast = index == count - 2 && config.lowerOrderFinal && count < 15

        // Convert to an x₀ prediction (the "++" of DPM-Solver++).
        let (alphaS, sigmaS) = alphaSigma(index)
        let x0: Tensor
        switch predictionType {
        case .epsilon: x0 = (sample - Float(sigmaS) * modelOutput) / Float(alphaS)
        case .sample: x0 = modelOutput
        case .vPrediction: x0 = Float(alphaS) * sample - Float(sigmaS) * modelOutput
        }
        modelOutputs.append(x0)
        if modelOutputs.count > config.solverOrder { modelOutputs.removeFirst() }

        let (alphaT, sigmaT) = alphaSigma(index + 1)
        let h = lambda(index + 1) - lambda(index)
        // α_t(e^{−h} − 1), finite even when σ_t = 0 (h = ∞ gives −α_t).
        let phi = alphaT * (exp(-h) - 1)
        let m = modelOutputs.count
        var prev = Float(sigmaT / sigmaS) * sample - Float(phi) * modelOutputs[m - 1]
        if config.solverOrder == 1 || lowerOrderCount < 1 || lastStep {
            // First order (DDIM in λ): done.
        } else if config.solverOrder == 2 || lowerOrderCount < 2 || secondToLast {
            let r0 = (lambda(index) - lambda(index - 1)) / h
            let d1 = Float(1 / r0) * (modelOutputs[m - 1] - modelOutputs[m - 2])
            if config.solverType == "heun" {
                prev = prev + Float(alphaT * ((exp(-h) - 1) / h + 1)) * d1
            } else {
                prev = prev - Float(0.5 * phi) * d1
            }
        } else {
            let r0 = (lambda(index) - lambda(index - 1)) / h, r1 = (lambda(index - 1) - lambda(index - 2)) / h
            let d10 = Float(1 / r0) * (modelOutputs[m - 1] - modelOutputs[m - 2])
            let d11 = Float(1 / r1) * (modelOutputs[m - 2] - modelOutputs[m - 3])
            let d1 = d10 + Float(r0 / (r0 + r1)) * (d10 - d11)
            let d2 = Float(1 / (r0 + r1)) * (d10 - d11)
            prev = prev + Float(alphaT * ((exp(-h) - 1) / h + 1)) * d1
                - Float(alphaT * ((exp(-h) - 1 + h) / (h * h) - 0.5)) * d2
        }
        if lowerOrderCount < config.solverOrder { lowerOrderCount += 1 }
        stepIndex = index + 1
        return SchedulerStepOutput(prevSample: prev, predOriginalSample: nil)
    }

    /// `α_t·original + σ_t·noise` at each schedule timestep's noise level.
    public func addNoise(_ original: Tensor, noise: Tensor, timesteps: [Float]) throws(SchedulerError) -> Tensor {
        guard !self.timesteps.isEmpty else { throw SchedulerError("call setTimesteps before addNoise") }
        try checkBatch(original, noise, timesteps.count)
        let indices = try timesteps.map { t throws(SchedulerError) in try Diffusion.stepIndex(of: t, in: self.timesteps) }
        let pairs = indices.map(alphaSigma)
        return perItem(pairs.map(\.alpha), original.rank) * original + perItem(pairs.map(\.sigma), original.rank) * noise
    }
}
