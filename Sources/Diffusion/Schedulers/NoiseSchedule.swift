import Foundation
import Tensor

/// The training noise schedule every scheduler starts from: betas and their cumulative alpha products.
///
/// Values are rounded to Float32 at the same points as diffusers (torch builds the betas in float32, takes the
/// cumulative product in a double accumulator and stores float32), so coefficients taken from the table match
/// diffusers' to the last bit or two; per-step arithmetic on scalars is then done in Double.
public struct NoiseSchedule: Sendable, Equatable {
    /// β_t for t in 0..<numTrainTimesteps.
    public let betas: [Float]
    /// ᾱ_t = ∏_{s≤t} (1 − β_s).
    public let alphasCumprod: [Float]

    /// Builds the schedule named by `config.betaSchedule` (`linear`, `scaled_linear`, `squaredcos_cap_v2`).
    public init(config: SchedulerConfig) throws(ConfigError) {
        let n = config.numTrainTimesteps
        var betas: [Float]
        switch config.betaSchedule {
        case "linear":
            betas = Self.torchLinspace(Float(config.betaStart), Float(config.betaEnd), n)
        case "scaled_linear":
            betas = Self.torchLinspace(Float(config.betaStart.squareRoot()), Float(config.betaEnd.squareRoot()), n)
                .map { $0 * $0 }
        case "squaredcos_cap_v2":
            betas = Self.cosineBetas(n)
        default:
            throw ConfigError.unsupported("beta_schedule", "\"\(config.betaSchedule)\"",
                                          supported: ["linear", "scaled_linear", "squaredcos_cap_v2"])
        }
        if config.rescaleBetasZeroSnr && config.kind != .pndm {
            betas = Self.zeroTerminalSNR(betas)
        }
        var cumprod = Self.cumulativeProduct(betas)
        // The σ-based schedulers keep the last ᾱ just above 0 (float16's smallest subnormal) so σ_max is finite.
        if config.rescaleBetasZeroSnr, [.euler, .eulerAncestral, .dpmSolverMultistep].contains(config.kind) {
            cumprod[cumprod.count - 1] = 0x1p-24
        }
        self.betas = betas
        alphasCumprod = cumprod
    }

    /// ∏(1 − β) as torch's CPU `cumprod`: a double accumulator, each value stored as float32.
    static func cumulativeProduct(_ betas: [Float]) -> [Float] {
        var product = 1.0
        return betas.map { beta in
            product *= Double(1 - beta)
            return Float(product)
        }
    }

    /// Lin et al. 2023, Algorithm 1: shift and scale √ᾱ so the last timestep has zero SNR (pure noise), keeping the
    /// first; in float32, as diffusers' `rescale_zero_terminal_snr`.
    static func zeroTerminalSNR(_ betas: [Float]) -> [Float] {
        var root = cumulativeProduct(betas).map { $0.squareRoot() }
        let first = root[0], last = root[root.count - 1]
        let scale = first / (first - last)
        root = root.map { ($0 - last) * scale }
        let bar = root.map { $0 * $0 }
        let alphas = [bar[0]] + (1..<bar.count).map { bar[$0] / bar[$0 - 1] }
        return alphas.map { 1 - $0 }
    }

    /// ᾱ_t as a Double, for coefficient arithmetic.
    func alphaProd(_ t: Int) -> Double { Double(alphasCumprod[t]) }

    /// σ_t = √((1 − ᾱ_t)/ᾱ_t) for every training timestep, ascending in t (the Karras-style noise levels), in
    /// float32 operations as torch computes the table.
    var trainSigmas: [Double] { alphasCumprod.map { a in Double(((1 - a) / a).squareRoot()) } }

    /// `torch.linspace(start, end, n, dtype=float32)` on the CPU: the first half counts up from `start`, the second
    /// half down from `end`, with the step in float32.
    static func torchLinspace(_ start: Float, _ end: Float, _ n: Int) -> [Float] {
        guard n > 1 else { return n == 1 ? [start] : [] }
        let step = (end - start) / Float(n - 1)
        let halfway = n / 2
        return (0..<n).map { i in i < halfway ? start + step * Float(i) : end - step * Float(n - 1 - i) }
    }

    /// The Glide cosine schedule: β from ᾱ(t) = cos²((t + 0.008)/1.008 · π/2), capped at 0.999.
    static func cosineBetas(_ n: Int) -> [Float] {
        func alphaBar(_ t: Double) -> Double {
            let c = cos((t + 0.008) / 1.008 * Double.pi / 2)
            return c * c
        }
        return (0..<n).map { i in
            let t1 = Double(i) / Double(n), t2 = Double(i + 1) / Double(n)
            return Float(min(1 - alphaBar(t2) / alphaBar(t1), 0.999))
        }
    }

    /// `sqrt(ᾱ_t)·x0 + sqrt(1 − ᾱ_t)·noise` with one t per batch item: the forward process used in training.
    func addNoise(_ original: Tensor, noise: Tensor, timesteps: [Int]) throws(SchedulerError) -> Tensor {
        try checkBatch(original, noise, timesteps.count)
        let a = try timesteps.map { t throws(SchedulerError) in try alphaProd(checkedTimestep(t)) }
        return perItem(a.map { $0.squareRoot() }, original.rank) * original
            + perItem(a.map { (1 - $0).squareRoot() }, original.rank) * noise
    }

    /// The v-prediction target `sqrt(ᾱ_t)·noise − sqrt(1 − ᾱ_t)·x0` (Imagen Video §2.4).
    func velocity(_ sample: Tensor, noise: Tensor, timesteps: [Int]) throws(SchedulerError) -> Tensor {
        try checkBatch(sample, noise, timesteps.count)
        let a = try timesteps.map { t throws(SchedulerError) in try alphaProd(checkedTimestep(t)) }
        return perItem(a.map { $0.squareRoot() }, sample.rank) * noise
            - perItem(a.map { (1 - $0).squareRoot() }, sample.rank) * sample
    }

    func checkedTimestep(_ t: Int) throws(SchedulerError) -> Int {
        guard t >= 0, t < alphasCumprod.count else {
            throw SchedulerError("timestep \(t) is outside the training range 0..<\(alphasCumprod.count)")
        }
        return t
    }
}

/// Throws unless `tensor` (named `what`: "model output", "noise") has the sample's shape.
func checkShape(_ tensor: Tensor, _ what: String, matches sample: Tensor) throws(SchedulerError) {
    guard tensor.shape == sample.shape else {
        throw SchedulerError("\(what) shape \(tensor.shape) differs from sample shape \(sample.shape)")
    }
}

/// Where `timestep` sits in a σ schedule: the index stepping has reached, or, before the first step, a look-up.
func sigmaIndex(of timestep: Float, in timesteps: [Float], stepping: Int?) throws(SchedulerError) -> Int {
    guard !timesteps.isEmpty else { throw SchedulerError("call setTimesteps before using the scheduler") }
    if let stepping { return stepping }
    return try stepIndex(of: timestep, in: timesteps)
}

/// Checks that `a` and `b` have one shape and that `count` (timesteps, sigmas) is 1 or the batch size.
func checkBatch(_ a: Tensor, _ b: Tensor, _ count: Int) throws(SchedulerError) {
    try checkShape(b, "noise", matches: a)
    guard a.rank >= 1, count == a.shape[0] || count == 1 else {
        throw SchedulerError("\(count) timesteps for a batch of \(a.rank >= 1 ? a.shape[0] : 0) samples")
    }
}

/// A `[N, 1, …, 1]` tensor (of `rank` dimensions) holding one factor per batch item, for broadcasting.
func perItem(_ values: [Double], _ rank: Int) -> Tensor {
    Tensor(shape: [values.count] + Array(repeating: 1, count: max(rank - 1, 0)), scalars: values.map { Float($0) })
}

/// How inference timesteps are spread over the training range (Table 2 of "Common Diffusion Noise Schedules and
/// Sample Steps are Flawed"); the arithmetic follows diffusers exactly, including NumPy's round-half-to-even.
enum TimestepSpacing {
    /// `np.linspace(start, stop, count)`: `start + i·step` in Double, the last value exactly `stop`.
    static func linspace(_ start: Double, _ stop: Double, _ count: Int) -> [Double] {
        guard count > 1 else { return count == 1 ? [start] : [] }
        let step = (stop - start) / Double(count - 1)
        return (0..<count).map { $0 == count - 1 ? stop : start + Double($0) * step }
    }

    /// `np.round` (half to even).
    static func round(_ x: Double) -> Double { x.rounded(.toNearestOrEven) }

    /// `np.arange(start, 0, -step)` for a positive `step`: start, start − step, … while above 0.
    static func descendingArange(from start: Double, step: Double) -> [Double] {
        let count = Int((start / step).rounded(.up))
        return (0..<count).map { start - Double($0) * step }.filter { $0 > 0 }
    }

    /// The integer timesteps of DDPM, DDIM (and, ascending, PNDM), descending.
    static func integerTimesteps(_ config: SchedulerConfig, _ count: Int) -> [Int] {
        let train = config.numTrainTimesteps
        switch config.resolvedTimestepSpacing {
        case "linspace":
            return linspace(0, Double(train - 1), count).map { Int(round($0)) }.reversed()
        case "leading":
            let ratio = train / count
            return (0..<count).reversed().map { $0 * ratio + config.stepsOffset }
        default:  // trailing
            let ratio = Double(train) / Double(count)
            return descendingArange(from: Double(train), step: ratio).map { Int(round($0)) - 1 }
        }
    }
}

/// Karras et al. (2022) noise levels: `count` sigmas from `max` to `min`, evenly spaced in σ^(1/ρ) with ρ = 7.
func karrasSigmas(min: Double, max: Double, count: Int) -> [Double] {
    let rho = 7.0
    let minInv = pow(min, 1 / rho), maxInv = pow(max, 1 / rho)
    return TimestepSpacing.linspace(0, 1, count).map { pow(maxInv + $0 * (minInv - maxInv), rho) }
}

/// diffusers' `_sigma_to_t`: the fractional training timestep whose log-sigma interpolates to `sigma`.
func timestep(forSigma sigma: Double, logSigmas: [Double]) -> Double {
    let logSigma = log(Swift.max(sigma, 1e-10))
    // The last index whose log-sigma is at or below the target (NumPy's argmax of the cumulative count; 0 when
    // there is none), capped so a neighbour exists above it.
    var low = logSigmas.lastIndex { logSigma - $0 >= 0 } ?? 0
    low = Swift.min(low, logSigmas.count - 2)
    let lo = logSigmas[low], hi = logSigmas[low + 1]
    let w = Swift.min(Swift.max((lo - logSigma) / (lo - hi), 0), 1)
    return (1 - w) * Double(low) + w * Double(low + 1)
}

/// `np.interp(x, 0..<table.count, table)` for x inside the table's range.
func interpolate(_ table: [Double], at x: Double) -> Double {
    if x <= 0 { return table[0] }
    if x >= Double(table.count - 1) { return table[table.count - 1] }
    let i = Int(x.rounded(.down))
    let f = x - Double(i)
    return f == 0 ? table[i] : table[i] + f * (table[i + 1] - table[i])
}
