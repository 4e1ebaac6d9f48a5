/// An exponential moving average of parameters (diffusers' `EMAModel`): shadow -= (1 − decay)·(shadow − p).
/// Sample from the averaged weights with `copy(to:)`; save and resume with `stateDict()`.
import WorkerThreads

public final class ExponentialMovingAverage {
    public let decay: Float
    /// Shadow copies by parameter name.
    public private(set) var shadow: [(name: String, tensor: Tensor)]
    public private(set) var updates = 0

    public init(_ parameters: [(name: String, tensor: Tensor)], decay: Float = 0.9999) {
        self.decay = decay
        shadow = parameters.map { ($0.name, $0.tensor.copied()) }
    }

    /// Moves every shadow towards its parameter (same order as at creation).
    public func update(_ parameters: [(name: String, tensor: Tensor)]) {
        precondition(parameters.count == shadow.count, "EMA of \(shadow.count) parameters updated with \(parameters.count)")
        updates += 1
        let k = 1 - decay
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
