/// `scheduler/scheduler_config.json` for the schedulers dbrun implements. One struct holds the union of their
/// settings; `_class_name` picks the scheduler, and only the keys that class reads are validated — diffusers ignores
/// the others (SD 2.x's DDIM config carries PNDM's `skip_prk_steps`), and so does dbrun.
public struct SchedulerConfig: ModelConfig, Equatable {
    /// The diffusers scheduler classes dbrun implements.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case ddpm = "DDPMScheduler"
        case ddim = "DDIMScheduler"
        case pndm = "PNDMScheduler"
        case euler = "EulerDiscreteScheduler"
        case eulerAncestral = "EulerAncestralDiscreteScheduler"
        case dpmSolverMultistep = "DPMSolverMultistepScheduler"
    }

    /// From `_class_name`; switch it to sample with another scheduler on the same betas, as diffusers'
    /// `OtherScheduler.from_config(pipe.scheduler.config)` does.
    public var kind = Kind.ddpm
    public var numTrainTimesteps = 1000
    public var betaStart = 0.0001
    public var betaEnd = 0.02
    public var betaSchedule = "linear"
    public var predictionType = "epsilon"
    public var timestepSpacing: String?
    public var stepsOffset = 0
    // DDPM, DDIM
    public var clipSample = true
    public var clipSampleRange = 1.0
    // DDPM
    public var varianceType: String?
    // DDIM, PNDM
    public var setAlphaToOne: Bool?
    // PNDM
    public var skipPrkSteps = false
    // DPM-Solver
    public var solverOrder = 2
    public var algorithmType = "dpmsolver++"
    public var solverType = "midpoint"
    public var lowerOrderFinal = true
    // Euler, DPM-Solver
    public var useKarrasSigmas = false
    // All but PNDM
    public var rescaleBetasZeroSnr = false

    public init(kind: Kind = .ddpm) {
        self.kind = kind
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case kind = "_class_name", numTrainTimesteps = "num_train_timesteps", betaStart = "beta_start"
        case betaEnd = "beta_end", betaSchedule = "beta_schedule", predictionType = "prediction_type"
        case timestepSpacing = "timestep_spacing", stepsOffset = "steps_offset", clipSample = "clip_sample"
        case clipSampleRange = "clip_sample_range", varianceType = "variance_type", setAlphaToOne = "set_alpha_to_one"
        case skipPrkSteps = "skip_prk_steps", solverOrder = "solver_order", algorithmType = "algorithm_type"
        case solverType = "solver_type", lowerOrderFinal = "lower_order_final", useKarrasSigmas = "use_karras_sigmas"
        case rescaleBetasZeroSnr = "rescale_betas_zero_snr"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let name = try c.decode(String.self, forKey: .kind)
        guard let kind = Kind(rawValue: name) else {
            throw ConfigError.unsupported("_class_name", "\"\(name)\"", supported: Kind.allCases.map(\.rawValue))
        }
        let d = Self(kind: kind)
        self.kind = kind
        numTrainTimesteps = try c.value(.numTrainTimesteps, default: d.numTrainTimesteps)
        betaStart = try c.value(.betaStart, default: d.betaStart)
        betaEnd = try c.value(.betaEnd, default: d.betaEnd)
        betaSchedule = try c.value(.betaSchedule, default: d.betaSchedule)
        predictionType = try c.value(.predictionType, default: d.predictionType)
        timestepSpacing = try c.decodeIfPresent(String.self, forKey: .timestepSpacing)
        stepsOffset = try c.value(.stepsOffset, default: d.stepsOffset)
        clipSample = try c.value(.clipSample, default: d.clipSample)
        clipSampleRange = try c.value(.clipSampleRange, default: d.clipSampleRange)
        varianceType = try c.decodeIfPresent(String.self, forKey: .varianceType)
        setAlphaToOne = try c.decodeIfPresent(Bool.self, forKey: .setAlphaToOne)
        skipPrkSteps = try c.value(.skipPrkSteps, default: d.skipPrkSteps)
        solverOrder = try c.value(.solverOrder, default: d.solverOrder)
        algorithmType = try c.value(.algorithmType, default: d.algorithmType)
        solverType = try c.value(.solverType, default: d.solverType)
        lowerOrderFinal = try c.value(.lowerOrderFinal, default: d.lowerOrderFinal)
        useKarrasSigmas = try c.value(.useKarrasSigmas, default: d.useKarrasSigmas)
        rescaleBetasZeroSnr = try c.value(.rescaleBetasZeroSnr, default: d.rescaleBetasZeroSnr)
    }

    public static var fieldKeys: Set<String> { Set(CodingKeys.allCases.map(\.rawValue)) }

    public static var otherKeys: [String: ConfigKeyRule] {
        [
            "trained_betas": .neutral([.null]),
            "thresholding": .neutral([.bool(false)]),
            "interpolation_type": .neutral([.string("linear")]),
            "use_exponential_sigmas": .neutral([.bool(false)]),
            "use_beta_sigmas": .neutral([.bool(false)]),
            "use_lu_lambdas": .neutral([.bool(false)]),
            "use_flow_sigmas": .neutral([.bool(false)]),
            "use_dynamic_shifting": .neutral([.bool(false)]),
            "euler_at_final": .neutral([.bool(false)]),
            "sigma_min": .neutral([.null]),
            "sigma_max": .neutral([.null]),
            "timestep_type": .neutral([.string("discrete")]),
            "final_sigmas_type": .neutral([.string("zero")]),
            "lambda_min_clipped": .neutral([.number(-.infinity)]),
            // Read only when thresholding, dynamic shifting or flow sigmas are on, which the rules above refuse.
            "dynamic_thresholding_ratio": .irrelevant,
            "sample_max_value": .irrelevant,
            "flow_shift": .irrelevant,
            "time_shift_type": .irrelevant,
        ]
    }

    /// The settings `kind` reads (beyond the betas and prediction type every scheduler reads).
    var relevantKeys: Set<CodingKeys> {
        switch kind {
        case .ddpm: [.clipSample, .clipSampleRange, .varianceType, .timestepSpacing, .stepsOffset, .rescaleBetasZeroSnr]
        case .ddim: [.clipSample, .clipSampleRange, .setAlphaToOne, .timestepSpacing, .stepsOffset, .rescaleBetasZeroSnr]
        case .pndm: [.skipPrkSteps, .setAlphaToOne, .timestepSpacing, .stepsOffset]
        case .euler: [.timestepSpacing, .stepsOffset, .useKarrasSigmas, .rescaleBetasZeroSnr]
        case .eulerAncestral: [.timestepSpacing, .stepsOffset, .rescaleBetasZeroSnr]
        case .dpmSolverMultistep: [.solverOrder, .algorithmType, .solverType, .lowerOrderFinal, .timestepSpacing,
                                   .stepsOffset, .varianceType, .useKarrasSigmas, .rescaleBetasZeroSnr]
        }
    }

    /// diffusers' default spacing differs by class: "leading" for DDPM/DDIM/PNDM, "linspace" for the others.
    public var resolvedTimestepSpacing: String {
        timestepSpacing ?? ([.ddpm, .ddim, .pndm].contains(kind) ? "leading" : "linspace")
    }

    /// DDIM's default is true, PNDM's false.
    public var resolvedSetAlphaToOne: Bool { setAlphaToOne ?? (kind == .ddim) }

    /// DDPM's default is "fixed_small"; DPM-Solver's is none.
    public var resolvedVarianceType: String? { varianceType ?? (kind == .ddpm ? "fixed_small" : nil) }

    public func validate() throws(ConfigError) {
        try ConfigCheck.positive("num_train_timesteps", numTrainTimesteps)
        try ConfigCheck.oneOf("beta_schedule", betaSchedule, ["linear", "scaled_linear", "squaredcos_cap_v2"])
        // diffusers' PNDM and Euler ancestral have no x₀ ("sample") prediction; the others do.
        try ConfigCheck.oneOf("prediction_type", predictionType,
                              [.pndm, .eulerAncestral].contains(kind) ? ["epsilon", "v_prediction"]
                                  : ["epsilon", "sample", "v_prediction"])
        guard betaStart > 0, betaEnd > betaStart, betaEnd < 1 else {
            throw ConfigError.invalid("beta_start", "\(betaStart)", "needs 0 < beta_start < beta_end (\(betaEnd)) < 1")
        }
        let relevant = relevantKeys
        if relevant.contains(.timestepSpacing) {
            try ConfigCheck.oneOf("timestep_spacing", resolvedTimestepSpacing, ["leading", "linspace", "trailing"])
        }
        guard stepsOffset >= 0 else { throw ConfigError.invalid("steps_offset", "\(stepsOffset)", "must not be negative") }
        if relevant.contains(.varianceType), kind == .ddpm {
            if resolvedVarianceType == "fixed_large_log" {
                // diffusers' step takes the square root of log β_t < 0 for it and returns NaN.
                throw ConfigError.invalid("variance_type", "\"fixed_large_log\"",
                                          "diffusers' DDPMScheduler.step returns NaN with it; use \"fixed_large\"")
            }
            try ConfigCheck.oneOf("variance_type", resolvedVarianceType ?? "null",
                                  ["fixed_small", "fixed_small_log", "fixed_large", "learned", "learned_range"])
        }
        if kind == .dpmSolverMultistep {
            if let varianceType { throw ConfigError.unsupported("variance_type", "\"\(varianceType)\"", supported: ["null"]) }
            guard [1, 2, 3].contains(solverOrder) else {
                throw ConfigError.unsupported("solver_order", "\(solverOrder)", supported: ["1", "2", "3"])
            }
            try ConfigCheck.oneOf("algorithm_type", algorithmType, ["dpmsolver++"])
            try ConfigCheck.oneOf("solver_type", solverType, ["midpoint", "heun"])
        }
        if kind == .pndm, rescaleBetasZeroSnr {
            // diffusers' PNDMScheduler has no such option and drops the key with a warning: refuse rather than
            // sample with a schedule the config did not ask for.
            throw ConfigError.invalid("rescale_betas_zero_snr", "true",
                                      "PNDMScheduler has no zero-terminal-SNR rescaling; use DDIM, Euler or DPM-Solver")
        }
        if relevant.contains(.clipSampleRange), clipSample, clipSampleRange <= 0 {
            throw ConfigError.invalid("clip_sample_range", "\(clipSampleRange)", "must be positive")
        }
    }
}

extension SchedulerConfig.Kind {
    /// The short names `dbrun generate --scheduler` and the sampling stages' `scheduler:` take.
    public static let shortNames: [String: SchedulerConfig.Kind] = [
        "ddpm": .ddpm, "ddim": .ddim, "pndm": .pndm, "euler": .euler, "euler_ancestral": .eulerAncestral,
        "dpmsolver++": .dpmSolverMultistep,
    ]

    public init?(shortName: String) {
        guard let kind = Self.shortNames[shortName.lowercased()] else { return nil }
        self = kind
    }
}
