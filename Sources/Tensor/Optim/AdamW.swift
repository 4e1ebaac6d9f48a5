import CEngineKernels
import Foundation
import WorkerThreads

/// AdamW with PyTorch's update rule (`torch.optim.AdamW`, single-tensor path), step for step:
/// decay the weight by lr·wd, update the moments, then apply the bias-corrected step. Scalars are computed
/// in Double and rounded once, as PyTorch does with Python floats.
public final class AdamW: Optimizer {
    public var groups: [ParameterGroup]
    public let beta1: Float, beta2: Float, epsilon: Float
    public private(set) var stepCount = 0
    private var firstMoment: [String: Tensor] = [:]
    private var secondMoment: [String: Tensor] = [:]

    public init(_ groups: [ParameterGroup], beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8) {
        self.groups = groups
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        for g in groups { for p in g.parameters { allocateState(p.name, p.tensor.shape) } }
    }

    /// One group of parameters at `learningRate` (PyTorch's defaults: weight decay 0.01).
    public convenience init(_ parameters: [Tensor], learningRate: Float = 1e-3, weightDecay: Float = 0.01,
                            beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8) {
        self.init([ParameterGroup(parameters, learningRate: learningRate, weightDecay: weightDecay)],
                  beta1: beta1, beta2: beta2, epsilon: epsilon)
    }

    private func allocateState(_ name: String, _ shape: [Int]) {
        precondition(firstMoment[name] == nil, "two parameters named \(name)")
        firstMoment[name] = Tensor.zeros(shape)
        secondMoment[name] = Tensor.zeros(shape)
    }

    public func step() {
        stepCount += 1
        let t = Double(stepCount)
        let bc1 = 1 - Foundation.pow(Double(beta1), t), bc2 = 1 - Foundation.pow(Double(beta2), t)
        let b2 = beta2, eps = epsilon
        let w1 = Float(1 - Double(beta1)), w2 = Float(1 - Double(beta2))
        let bc2Sqrt = Float(bc2.squareRoot())
        for group in groups {
            let lr = Double(group.learningRate)
            let decay = Float(1 - lr * Double(group.weightDecay))
            let stepSize = Float(-(lr / bc1))
            for (name, p) in group.parameters {
                guard let g = p.grad else { continue }
                let m = firstMoment[name]!, v = secondMoment[name]!
                let pp = UncheckedBox(p.pointer), gp = UncheckedBox(g.pointer)
                let mp = UncheckedBox(m.pointer), vp = UncheckedBox(v.pointer)
                Parallel.forRanges(p.count) { r in
                    ek_adamw(pp.value + r.lowerBound, gp.value + r.lowerBound, mp.value + r.lowerBound,
                             vp.value + r.lowerBound, r.count, decay, w1, b2, w2, bc2Sqrt, eps, stepSize)
                }
            }
        }
    }

    public func stateDict() -> [String: Tensor] {
        var d: [String: Tensor] = ["step": Tensor(scalar: Float(stepCount))]
        for (name, m) in firstMoment { d["\(name).exp_avg"] = m }
        for (name, v) in secondMoment { d["\(name).exp_avg_sq"] = v }
        return d
    }

    public func load(stateDict: [String: Tensor]) throws {
        var expected: Set<String> = ["step"]
        for (name, m) in firstMoment {
            m.copy(from: try stateEntry(stateDict, "\(name).exp_avg", shape: m.shape))
            secondMoment[name]!.copy(from: try stateEntry(stateDict, "\(name).exp_avg_sq", shape: m.shape))
            expected.formUnion(["\(name).exp_avg", "\(name).exp_avg_sq"])
        }
        stepCount = Int(try stateEntry(stateDict, "step", shape: []).item)
        let extra = Set(stateDict.keys).subtracting(expected)
        if !extra.isEmpty { throw StateDictError.unexpected(Array(extra)) }
    }
}
