import Foundation
import Testing
import Tensor
import TestSupport

struct OptimizerTrace: Decodable {
    let initial: [FixtureTensor]
    let grads: [[FixtureTensor]]
    let final: [FixtureTensor]
}

struct OptimizerFixtures: Decodable {
    let adamw: OptimizerTrace
    let sgd: OptimizerTrace
    let sgd_nesterov: OptimizerTrace
}

@Suite struct OptimizerTests {
    /// Runs 10 steps with PyTorch's gradients and returns the largest difference from PyTorch's parameters.
    func replay(_ trace: OptimizerTrace, _ make: ([Tensor]) -> Optimizer) -> Float {
        let params = trace.initial.map { $0.tensor.requiringGrad() }
        let opt = make(params)
        for step in trace.grads {
            for (p, g) in zip(params, step) { p.grad = g.tensor }
            opt.step()
        }
        var worst: Float = 0
        for (p, ref) in zip(params, trace.final) {
            for (a, b) in zip(p.scalars, ref.data) { worst = max(worst, abs(a - b)) }
        }
        return worst
    }

    @Test func adamWMatchesPyTorchForTenSteps() throws {
        let f = try Fixtures.load("optimizers.json", as: OptimizerFixtures.self)
        let err = replay(f.adamw) { AdamW($0, learningRate: 1e-2, weightDecay: 0.1) }
        #expect(err <= 1e-6, "max |Δ| = \(err)")
        // The update is not a no-op: parameters moved well beyond the tolerance.
        let moved = zip(f.adamw.initial[0].data, f.adamw.final[0].data).map { abs($0 - $1) }.max()!
        #expect(moved > 1e-2)
    }

    @Test func sgdWithMomentumMatchesPyTorch() throws {
        let f = try Fixtures.load("optimizers.json", as: OptimizerFixtures.self)
        #expect(replay(f.sgd) { SGD($0, learningRate: 1e-2, momentum: 0.9, dampening: 0.1, weightDecay: 0.01) } <= 1e-6)
        #expect(replay(f.sgd_nesterov) { SGD($0, learningRate: 1e-2, momentum: 0.9, weightDecay: 0.01, nesterov: true) } <= 1e-6)
    }

    @Test func stateDictRoundTripResumesExactly() throws {
        var gen = RandomGenerator(seed: 11)
        let start = Tensor.randn([4, 3], generator: &gen)
        let grads = (0..<6).map { _ in Tensor.randn([4, 3], generator: &gen) }
        // Straight through: 6 steps.
        let a = start.copied().requiringGrad()
        let optA = AdamW([a], learningRate: 0.01)
        for g in grads { a.grad = g; optA.step() }
        // Resumed: 3 steps, save, a fresh optimizer loads, 3 more.
        let b = start.copied().requiringGrad()
        let optB = AdamW([b], learningRate: 0.01)
        for g in grads[..<3] { b.grad = g; optB.step() }
        let saved = optB.stateDict().mapValues { $0.copied() }
        let optC = AdamW([b], learningRate: 0.01)
        try optC.load(stateDict: saved)
        #expect(optC.stepCount == 3)
        for g in grads[3...] { b.grad = g; optC.step() }
        #expect(a.scalars == b.scalars)
    }

    @Test func loadRejectsMissingAndMisshapenEntries() {
        let p = Tensor.zeros([2, 2]).requiringGrad()
        let opt = AdamW([p])
        var d = opt.stateDict()
        d["param.0.exp_avg"] = Tensor.zeros([3])
        #expect(throws: StateDictError.self) { try opt.load(stateDict: d) }
        d["param.0.exp_avg"] = nil
        #expect(throws: StateDictError.self) { try opt.load(stateDict: d) }
    }

    @Test func parameterGroupsUseTheirOwnRates() {
        let a = Tensor.ones([2]).requiringGrad(), b = Tensor.ones([2]).requiringGrad()
        let opt = SGD([ParameterGroup([a], learningRate: 0.1, prefix: "a"), ParameterGroup([b], learningRate: 0.01, prefix: "b")])
        a.grad = Tensor.ones([2]); b.grad = Tensor.ones([2])
        opt.step()
        #expect(a.scalars == [0.9, 0.9])
        #expect(b.scalars == [0.99, 0.99])
        opt.scaleLearningRates(by: 0.5)
        #expect(opt.groups.map(\.learningRate) == [0.05, 0.005])
    }

    @Test func clippingScalesToTheMaximumNorm() {
        let a = Tensor.zeros([2]).requiringGrad(), b = Tensor.zeros([1]).requiringGrad()
        a.grad = Tensor([3, 0]); b.grad = Tensor([4])
        let norm = clipGradientNorm([a, b], maxNorm: 1)
        #expect(abs(norm - 5) < 1e-6)
        #expect(closeness(a.grad!.scalars + b.grad!.scalars, [0.6, 0, 0.8], atol: 1e-6) <= 1)
        // Under the limit: untouched.
        clipGradientNorm([a, b], maxNorm: 10)
        #expect(closeness(a.grad!.scalars, [0.6, 0], atol: 1e-6) <= 1)
    }

    @Test func schedulesFollowDiffusersShapes() {
        #expect(LearningRateSchedule.constant.factor(at: 100) == 1)
        let w = LearningRateSchedule.warmup(steps: 10)
        #expect(w.factor(at: 0) == 0)
        #expect(w.factor(at: 5) == 0.5)
        #expect(w.factor(at: 50) == 1)
        let c = LearningRateSchedule.cosine(warmupSteps: 10, totalSteps: 110)
        #expect(c.factor(at: 10) == 1)
        #expect(abs(c.factor(at: 60) - 0.5) < 1e-6)
        #expect(abs(c.factor(at: 110)) < 1e-6)
        let floor = LearningRateSchedule.cosine(warmupSteps: 0, totalSteps: 100, minFactor: 0.1)
        #expect(abs(floor.factor(at: 100) - 0.1) < 1e-6)
    }

    /// diffusers' EMAModel: the first update copies the weights (decay 0), then decayₜ = min(ceiling, (1+t)/(10+t)).
    @Test func emaWarmsUpAsDiffusers() throws {
        let p = Tensor.zeros([2]).requiringGrad()
        let ema = ExponentialMovingAverage([("w", p)], decay: 0.5)
        #expect(ema.decay(atUpdate: 1) == 0)
        #expect(ema.decay(atUpdate: 2) == 2.0 / 11.0)
        #expect(ema.decay(atUpdate: 9) == 0.5)  // (1+8)/(10+8) reaches the ceiling
        p.copy(from: Tensor([1, 2]))
        ema.update([("w", p)])
        #expect(ema.shadow[0].tensor.scalars == [1, 2])
        p.copy(from: Tensor([12, 24]))
        ema.update([("w", p)])
        // 1 − (9/11)·(1 − 12) = 10, 2 − (9/11)·(2 − 24) = 20
        #expect(closeness(ema.shadow[0].tensor.scalars, [10, 20], atol: 1e-5) <= 1)
        let target = Tensor.zeros([2]).requiringGrad()
        ema.copy(to: [("w", target)])
        #expect(target.scalars == ema.shadow[0].tensor.scalars)
        let again = ExponentialMovingAverage([("w", Tensor.zeros([2]))], decay: 0.5)
        try again.load(stateDict: ema.stateDict())
        #expect(again.updates == 2 && again.shadow[0].tensor.scalars == ema.shadow[0].tensor.scalars)
    }

    @Test func emaPowerLawWarmupAndDelayedStart() {
        let ema = ExponentialMovingAverage([], decay: 0.9999, minDecay: 0.1,
                                           warmup: .powerLaw(inverseGamma: 1, power: 2.0 / 3.0), updateAfterStep: 3)
        #expect(ema.decay(atUpdate: 4) == 0)  // not started yet: the shadow follows the weights
        #expect(abs(ema.decay(atUpdate: 5) - max(0.1, 1 - pow(2.0, -2.0 / 3.0))) < 1e-12)
        #expect(abs(ema.decay(atUpdate: 10_003) - (1 - pow(10_000.0, -2.0 / 3.0))) < 1e-12)
        #expect(ema.decay(atUpdate: 100_000_000) == 0.9999)
    }
}
