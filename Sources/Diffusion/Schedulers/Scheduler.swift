import Tensor

/// A diffusion sampler shaped like diffusers' `SchedulerMixin`, so a pipeline written against diffusers' loop
/// (`set_timesteps`, `scale_model_input`, model call, `step`) reads the same here.
///
/// Schedulers are values: `step` is `mutating` because multistep solvers (PNDM, DPM-Solver) and the sigma-based
/// ones keep history and a step index between calls; copy a freshly configured scheduler to sample twice.
/// Randomness never happens inside: a stochastic step takes its noise as an argument, so the caller decides which
/// generator (e.g. one per image) it comes from.
public protocol Scheduler: Sendable {
    /// The configuration this scheduler was built from (round-trips to `scheduler_config.json`).
    var config: SchedulerConfig { get }
    /// The timesteps of the current schedule, in the order the model is called (descending); empty before
    /// `setTimesteps`. Float because the sigma-based schedulers use fractional timesteps, as diffusers does.
    var timesteps: [Float] { get }
    /// The standard deviation to scale the initial Gaussian latents by.
    var initNoiseSigma: Float { get }
    /// True when `step` needs a `noise` tensor (DDPM, DDIM with eta > 0, Euler ancestral).
    var isStochastic: Bool { get }

    /// Builds the schedule for `count` denoising steps and resets any history.
    mutating func setTimesteps(_ count: Int) throws(SchedulerError)
    /// The model input for `timestep` (Euler-type schedulers divide by √(σ² + 1); the others return `sample`).
    func scaleModelInput(_ sample: Tensor, timestep: Float) throws(SchedulerError) -> Tensor
    /// One reverse-diffusion step from `sample` at `timestep`, given the model's output there. `noise` (shaped like
    /// `sample`, standard normal) is required when `isStochastic`.
    mutating func step(_ modelOutput: Tensor, timestep: Float, sample: Tensor, noise: Tensor?)
        throws(SchedulerError) -> SchedulerStepOutput
    /// The forward process: `original` noised to `timesteps` (one per batch item, or one for all).
    func addNoise(_ original: Tensor, noise: Tensor, timesteps: [Float]) throws(SchedulerError) -> Tensor
}

extension Scheduler {
    /// `step` drawing its noise from `generator` when the scheduler is stochastic (one stream for the whole batch;
    /// the samplers use one per image instead, through `SeededNoise`).
    public mutating func step(_ modelOutput: Tensor, timestep: Float, sample: Tensor, generator: inout RandomGenerator)
        throws(SchedulerError) -> SchedulerStepOutput
    {
        let noise = isStochastic ? Tensor.randn(sample.shape, generator: &generator) : nil
        return try step(modelOutput, timestep: timestep, sample: sample, noise: noise)
    }
}

/// What one step returns.
public struct SchedulerStepOutput: Sendable {
    /// The sample at the previous (less noisy) timestep.
    public let prevSample: Tensor
    /// The model's estimate of the clean sample x₀, for the schedulers that form it (nil for PNDM and DPM-Solver,
    /// as in diffusers).
    public let predOriginalSample: Tensor?
}

/// A misuse of a scheduler at run time (configuration problems are `ConfigError`s instead).
public struct SchedulerError: Error, CustomStringConvertible, Sendable, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// What the model predicts, from `prediction_type`.
public enum PredictionType: String, Sendable {
    /// The added noise ε.
    case epsilon
    /// The clean sample x₀.
    case sample
    /// v = √ᾱ·ε − √(1−ᾱ)·x₀.
    case vPrediction = "v_prediction"

    /// Reads `config.predictionType`, refusing values the scheduler class does not handle.
    init(_ config: SchedulerConfig, allowed: [PredictionType]) throws(ConfigError) {
        guard let value = PredictionType(rawValue: config.predictionType), allowed.contains(value) else {
            throw ConfigError.unsupported("prediction_type", "\"\(config.predictionType)\"",
                                          supported: allowed.map(\.rawValue))
        }
        self = value
    }
}

extension SchedulerConfig {
    /// The scheduler `kind` names, built from this configuration (validated first).
    public func makeScheduler() throws(ConfigError) -> any Scheduler {
        switch kind {
        case .ddpm: try DDPMScheduler(config: self)
        case .ddim: try DDIMScheduler(config: self)
        case .pndm: try PNDMScheduler(config: self)
        case .euler: try EulerDiscreteScheduler(config: self)
        case .eulerAncestral: try EulerAncestralDiscreteScheduler(config: self)
        case .dpmSolverMultistep: try DPMSolverMultistepScheduler(config: self)
        }
    }

    /// Checks that the config is valid and names `expected`.
    func checked(as expected: Kind) throws(ConfigError) -> SchedulerConfig {
        guard kind == expected else {
            throw ConfigError.invalid("_class_name", "\"\(kind.rawValue)\"", "expected \"\(expected.rawValue)\"")
        }
        try validate()
        return self
    }
}

/// Shared step-count checks for `setTimesteps`.
func checkStepCount(_ count: Int, _ config: SchedulerConfig) throws(SchedulerError) {
    guard count > 0 else { throw SchedulerError("the number of inference steps must be positive, got \(count)") }
    guard count <= config.numTrainTimesteps else {
        throw SchedulerError("\(count) inference steps is more than num_train_timesteps = \(config.numTrainTimesteps)")
    }
}

/// The integer value of a timestep of an integer schedule (DDPM, DDIM, PNDM, DPM-Solver).
func integerTimestep(_ t: Float) throws(SchedulerError) -> Int {
    guard t.isFinite, t == t.rounded() else { throw SchedulerError("timestep \(t) is not an integer") }
    return Int(t)
}

/// Where a sigma-based scheduler starts when the first call names `timestep`: its index in the schedule (the
/// second of two equal entries, as diffusers picks, so img2img starting mid-schedule lands after a repeat).
func stepIndex(of timestep: Float, in timesteps: [Float]) throws(SchedulerError) -> Int {
    let matches = timesteps.indices.filter { timesteps[$0] == timestep }
    guard let first = matches.first else {
        throw SchedulerError("timestep \(timestep) is not in the schedule; pass one of `timesteps`")
    }
    return matches.count > 1 ? matches[1] : first
}
