/// Stochastic gradient descent with PyTorch's rule (`torch.optim.SGD`): L2 weight decay added to the
/// gradient, momentum buffer started from the first gradient, optional dampening and Nesterov.
import WorkerThreads

public final class SGD: Optimizer {
    public var groups: [ParameterGroup]
    public let momentum: Float, dampening: Float, nesterov: Bool
    public private(set) var stepCount = 0
    private var buffers: [String: Tensor] = [:]

    public init(_ groups: [ParameterGroup], momentum: Float = 0, dampening: Float = 0, nesterov: Bool = false) {
        self.groups = groups
        self.momentum = momentum
        self.dampening = dampening
        self.nesterov = nesterov
    }

    public convenience init(_ parameters: [Tensor], learningRate: Float, momentum: Float = 0, dampening: Float = 0,
                            weightDecay: Float = 0, nesterov: Bool = false) {
        self.init([ParameterGroup(parameters, learningRate: learningRate, weightDecay: weightDecay)],
                  momentum: momentum, dampening: dampening, nesterov: nesterov)
    }

    public func step() {
        stepCount += 1
        for group in groups {
            let lr = group.learningRate, wd = group.weightDecay
            let mom = momentum, damp = 1 - dampening, nest = nesterov
            for (name, p) in group.parameters {
                guard let g = p.grad else { continue }
                let first = buffers[name] == nil
                if momentum != 0 && first { buffers[name] = Tensor.empty(p.shape) }
                let buf = buffers[name]
                let pp = UncheckedBox(p.pointer), gp = UncheckedBox(g.pointer), bp = UncheckedBox(buf?.pointer)
                Parallel.forRanges(p.count) { r in
                    for i in r {
                        var d = gp.value[i]
                        if wd != 0 { d = d + wd * pp.value[i] }
                        if let b = bp.value {
                            let v = first ? d : b[i] * mom + damp * d
                            b[i] = v
                            d = nest ? d + mom * v : v
                        }
                        pp.value[i] = pp.value[i] + (-lr) * d
                    }
                }
            }
        }
    }

    public func stateDict() -> [String: Tensor] {
        var d: [String: Tensor] = ["step": Tensor(scalar: Float(stepCount))]
        for (name, b) in buffers { d["\(name).momentum_buffer"] = b }
        return d
    }

    public func load(stateDict: [String: Tensor]) throws {
        stepCount = Int(try stateEntry(stateDict, "step", shape: []).item)
        buffers = [:]
        var expected: Set<String> = ["step"]
        for g in groups {
            for (name, p) in g.parameters {
                let key = "\(name).momentum_buffer"
                guard stateDict[key] != nil else { continue }  // no buffer yet: none was saved
                buffers[name] = try stateEntry(stateDict, key, shape: p.shape).copied()
                expected.insert(key)
            }
        }
        let extra = Set(stateDict.keys).subtracting(expected)
        if !extra.isEmpty { throw StateDictError.unexpected(Array(extra)) }
    }
}
