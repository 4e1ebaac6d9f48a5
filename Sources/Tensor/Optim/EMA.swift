/// An exponential moving average of parameters, as diffusers' `EMAModel`: shadow -= (1 − decayₜ)·(shadow − p).
/// Sample from the averaged weights with `copy(to:)`; save and resume with `stateDict()`.
import Foundation
import WorkerThreads

public final class ExponentialMovingAverage {
    /// How the decay grows towards its ceiling, by diffusers' `get_decay`. A constant 0.9999 from the first step
    /// would leave the average stuck near the initial weights for thousands of steps; the warm-up lets it follow early.
    public enum Warmup: Equatable, Sendable {
        /// (1 + t) / (10 + t): diffusers' default (`use_ema_warmup=False`).
        case ratio
        /// 1 − (1 + t/γ)^−power: diffusers' `use_ema_warmup=True` (γ = `inv_gamma`).
        case powerLaw(inverseGamma: Double = 1, power: Double = 2.0 / 3.0)
    }

    /// The ceiling of the decay (diffusers' `decay`).
    public let decay: Double
    public let minDecay: Double
    public let warmup: Warmup
    /// Updates before averaging starts: until then the shadow copies the parameters (decay 0).
    public let updateAfterStep: Int
    /// Shadow copies by parameter name.
    public private(set) var shadow: [(name: String, tensor: Tensor)]
    /// Optimisation steps seen (diffusers' `optimization_step`).
    public private(set) var updates = 0

    public init(_ parameters: [(name: String, tensor: Tensor)], decay: Double = 0.9999, minDecay: Double = 0,
                warmup: Warmup = .ratio, updateAfterStep: Int = 0) {
        precondition((0...1).contains(decay) && (0...decay).contains(minDecay), "EMA decay must satisfy 0 ≤ min ≤ decay ≤ 1")
        self.decay = decay
        self.minDecay = minDecay
        self.warmup = warmup
        self.updateAfterStep = updateAfterStep
        shadow = parameters.map { ($0.name, $0.tensor.copied()) }
    }

    /// The decay used by the `step`-th update (1-based), as diffusers computes it.
    public func decay(atUpdate step: Int) -> Double {
        let t = Double(max(0, step - updateAfterStep - 1))
        guard t > 0 else { return 0 }
        let warm: Double
        switch warmup {
        case .ratio: warm = (1 + t) / (10 + t)
        case .powerLaw(let inverseGamma, let power): warm = 1 - pow(1 + t / inverseGamma, -power)
        }
        return max(min(warm, decay), minDecay)
    }

    /// Moves every shadow towards its parameter (same order as at creation).
    public func update(_ parameters: [(name: String, tensor: Tensor)]) {
        precondition(parameters.count == shadow.count, "EMA of \(shadow.count) parameters updated with \(parameters.count)")
        updates += 1
        let k = Float(1 - decay(atUpdate: updates))
        for (s, p) in zip(shadow, parameters) {
            precondition(s.name == p.name, "EMA parameter \(s.name) updated from \(p.name)")
            let sp = UncheckedBox(s.tensor.pointer), pp = UncheckedBox(p.tensor.pointer)
            Parallel.forRanges(p.tensor.count) { r in
                for i in r { sp.value[i] -= k * (sp.value[i] - pp.value[i]) }
            }
        }
    }

    /// Writes the averaged weights into `parameters` (e.g. a model used for sampling).
    public func copy(to parameters: [(name: String, tensor: Tensor)]) {
        for (s, p) in zip(shadow, parameters) { p.tensor.copy(from: s.tensor) }
    }

    public func stateDict() -> [String: Tensor] {
        var d = Dictionary(uniqueKeysWithValues: shadow.map { ($0.name, $0.tensor) })
        d["ema.updates"] = Tensor(scalar: Float(updates))
        return d
    }

    public func load(stateDict: [String: Tensor]) throws {
        for s in shadow { s.tensor.copy(from: try stateEntry(stateDict, s.name, shape: s.tensor.shape)) }
        updates = Int(try stateEntry(stateDict, "ema.updates", shape: []).item)
    }
}
