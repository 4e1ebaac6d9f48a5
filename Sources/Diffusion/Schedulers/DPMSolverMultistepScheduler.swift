import Foundation
import Tensor

/// DPM-Solver++ (Lu et al. 2022), multistep, as diffusers' `DPMSolverMultistepScheduler` with
/// `algorithm_type = "dpmsolver++"` and the midpoint second-order update: "DPM++ 2M" (with Karras sigmas,
/// "DPM++ 2M Karras"). It solves the diffusion ODE in λ = log(α/σ) from the model's x₀ predictions.
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
        guard modelOutput.shape == sample.shape else {
            throw SchedulerError("model output shape \(modelOutput.shape) differs from sample shape \(sample.shape)")
        }
        let index: Int
        if let stepIndex { index = stepIndex } else { index = try Diffusion.stepIndex(of: timestep, in: timesteps) }
        guard index + 1 < sigmas.count else { throw SchedulerError("step past the end of the schedule") }
        let count = timesteps.count
        // final_sigmas_type "zero" makes the last step first order whatever lower_order_final says.
        // (`lower_order_final` only matters for third order, which dbrun does not offer.)
        let lowerOrderFinal = index == count - 1

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
        let prev: Tensor
        if config.solverOrder == 1 || lowerOrderCount < 1 || lowerOrderFinal {
            prev = Float(sigmaT / sigmaS) * sample - Float(phi) * x0
        } else {
            let m0 = modelOutputs[modelOutputs.count - 1], m1 = modelOutputs[modelOutputs.count - 2]
            let h0 = lambda(index) - lambda(index - 1)
            let r0 = h0 / h
            let d1 = Float(1 / r0) * (m0 - m1)
            prev = Float(sigmaT / sigmaS) * sample - Float(phi) * m0 - Float(0.5 * phi) * d1
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
