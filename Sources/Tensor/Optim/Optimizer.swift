/// Parameters that share a learning rate and weight decay (e.g. LoRA weights vs. text-encoder weights).
public struct ParameterGroup {
    /// Named parameters; the names key the optimizer's saved state.
    public var parameters: [(name: String, tensor: Tensor)]
    /// The rate a schedule scales (factor 1 gives this rate).
    public var baseLearningRate: Float
    /// The rate the next `step()` uses.
    public var learningRate: Float
    /// Decoupled (AdamW) or L2 (SGD) weight decay.
    public var weightDecay: Float

    public init(_ parameters: [(name: String, tensor: Tensor)], learningRate: Float, weightDecay: Float = 0) {
        self.parameters = parameters
        self.baseLearningRate = learningRate
        self.learningRate = learningRate
        self.weightDecay = weightDecay
    }

    /// A group of unnamed parameters, named `prefix.0`, `prefix.1`, … for saved state.
    public init(_ tensors: [Tensor], learningRate: Float, weightDecay: Float = 0, prefix: String = "param") {
        self.init(tensors.enumerated().map { ("\(prefix).\($0.offset)", $0.element) },
                  learningRate: learningRate, weightDecay: weightDecay)
    }
}

/// A problem with saved optimizer or model state, naming the offending key.
public enum StateDictError: Error, CustomStringConvertible {
    case missing(String)
    case shape(String, expected: [Int], found: [Int])
    case unexpected([String])

    public var description: String {
        switch self {
        case .missing(let k): "state dict has no entry \(k)"
        case .shape(let k, let e, let f): "state dict entry \(k) has shape \(f), expected \(e)"
        case .unexpected(let ks): "state dict has unexpected entries: \(ks.sorted().joined(separator: ", "))"
        }
    }
}

/// What every optimizer offers a training loop: step, forget gradients, schedule, save and resume.
public protocol Optimizer: AnyObject {
    /// The parameter groups, in order.
    var groups: [ParameterGroup] { get set }
    /// Steps taken so far (restored with the state).
    var stepCount: Int { get }
    /// Updates every parameter that has a gradient, in place.
    func step()
    /// The optimizer's state as named tensors (plug into a safetensors writer to save).
    func stateDict() -> [String: Tensor]
    /// Restores state saved by `stateDict()`; every entry must be present and shaped as expected.
    func load(stateDict: [String: Tensor]) throws
}

extension Optimizer {
    /// Drops every parameter's gradient (call after `step()`).
    public func zeroGrad() {
        for g in groups { for p in g.parameters { p.tensor.zeroGrad() } }
    }

    /// Every parameter of every group.
    public var allParameters: [Tensor] { groups.flatMap { $0.parameters.map(\.tensor) } }

    /// Sets each group's rate to its base rate times `factor` (what a schedule computes per step).
    public func scaleLearningRates(by factor: Float) {
        for i in groups.indices { groups[i].learningRate = groups[i].baseLearningRate * factor }
    }
}

/// Reads a tensor of an expected shape from a state dict, or throws naming the key.
func stateEntry(_ dict: [String: Tensor], _ key: String, shape: [Int]) throws -> Tensor {
    guard let t = dict[key] else { throw StateDictError.missing(key) }
    guard t.shape == shape else { throw StateDictError.shape(key, expected: shape, found: t.shape) }
    return t
}
