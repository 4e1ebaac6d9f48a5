import Testing
import Tensor
import TestSupport

/// A tiny MLP: 4 → 32 → 2 with SiLU.
final class TinyMLP: Module {
    let fc1: Linear, fc2: Linear
    init(generator: inout RandomGenerator, width: Int = 32, inputs: Int = 4, outputs: Int = 2) {
        fc1 = Linear(inputs, width, generator: &generator)
        fc2 = Linear(width, outputs, generator: &generator)
    }
    func callAsFunction(_ x: Tensor) -> Tensor { fc2(fc1(x).silu()) }
    func visitParameters(_ v: inout ParameterVisitor) {
        v.child("fc1", fc1)
        v.child("fc2", fc2)
    }
}

/// A tiny conv net: conv 3×3 → group norm → SiLU → conv 3×3.
final class TinyConvNet: Module {
    let conv1: Conv2d, norm: GroupNorm, conv2: Conv2d
    init(generator: inout RandomGenerator) {
        conv1 = Conv2d(2, 8, kernelSize: 3, padding: 1, generator: &generator)
        norm = GroupNorm(groups: 4, channels: 8)
        conv2 = Conv2d(8, 2, kernelSize: 3, padding: 1, generator: &generator)
    }
    func callAsFunction(_ x: Tensor) -> Tensor { conv2(norm(conv1(x)).silu()) }
    func visitParameters(_ v: inout ParameterVisitor) {
        v.child("conv1", conv1)
        v.child("norm", norm)
        v.child("conv2", conv2)
    }
}

@Suite struct TrainingTests {
    @Test func namedParametersFollowTheModuleTree() throws {
        var gen = RandomGenerator(seed: 0)
        let net = TinyConvNet(generator: &gen)
        #expect(net.namedParameters().map(\.name) == [
            "conv1.weight", "conv1.bias", "norm.weight", "norm.bias", "conv2.weight", "conv2.bias",
        ])
        #expect(net.parameterCount == 8 * 2 * 9 + 8 + 8 + 8 + 2 * 8 * 9 + 2)
        net.setRequiresGrad(false) { $0.hasPrefix("conv1.") }
        #expect(net.trainableParameters().count == 4)
        // Strict load: round trip works, a missing key is named.
        var state = net.stateDict().mapValues { $0.copied() }
        try net.load(stateDict: state)
        state["norm.bias"] = nil
        #expect(throws: StateDictError.self) { try net.load(stateDict: state) }
    }

    /// 32 random targets, 450 parameters: the net can interpolate them. With a constant rate Adam ends in a
    /// noise floor that depends on every rounding (so on the sgemm kernel); a cosine decay to zero lets it settle,
    /// and the bound asks only what the test means: the targets are fitted (under 0.1% of the loss left), which a
    /// wrong gradient or optimizer step never reaches.
    @Test func mlpFitsToNearZeroLoss() {
        var gen = RandomGenerator(seed: 1)
        let x = Tensor.randn([16, 4], generator: &gen)
        let y = Tensor.randn([16, 2], generator: &gen)
        let net = TinyMLP(generator: &gen, width: 64)
        let opt = AdamW(net.namedParameters().map(\.tensor), learningRate: 1e-2, weightDecay: 0)
        let schedule = LearningRateSchedule.cosine(warmupSteps: 20, totalSteps: 600)
        var first: Float = 0, last: Float = 0
        for step in 0..<600 {
            opt.scaleLearningRates(by: schedule.factor(at: step))
            let loss = Tensor.mseLoss(net(x), y)
            if step == 0 { first = loss.item }
            last = loss.item
            loss.backward()
            opt.step()
            opt.zeroGrad()
        }
        #expect(last < 1e-3 * first, "loss \(first) → \(last)")
    }

    @Test func convNetFitsToNearZeroLoss() {
        // 64 random targets, 314 parameters: the net can interpolate them exactly.
        var gen = RandomGenerator(seed: 2)
        let student = TinyConvNet(generator: &gen)
        let x = Tensor.randn([2, 2, 4, 4], generator: &gen)
        let y = Tensor.randn([2, 2, 4, 4], generator: &gen)
        let opt = AdamW(student.namedParameters().map(\.tensor), learningRate: 1e-2, weightDecay: 0)
        var first: Float = 0, last: Float = 0
        let schedule = LearningRateSchedule.cosine(warmupSteps: 20, totalSteps: 600)
        for step in 0..<600 {
            opt.scaleLearningRates(by: schedule.factor(at: step))
            let loss = Tensor.mseLoss(student(x), y)
            if step == 0 { first = loss.item }
            last = loss.item
            loss.backward()
            clipGradientNorm(opt.allParameters, maxNorm: 1)
            opt.step()
            opt.zeroGrad()
        }
        #expect(last < 1e-4 * first, "loss \(first) → \(last)")
    }

    /// Three AdamW steps on shapes large enough that both the engine's loops and OpenBLAS use threads.
    static func trainBriefly() -> [Float] {
        var gen = RandomGenerator(seed: 3)
        let net = TinyMLP(generator: &gen, width: 256, inputs: 128, outputs: 64)
        let x = Tensor.randn([192, 128], generator: &gen), y = Tensor.randn([192, 64], generator: &gen)
        let opt = AdamW(net.namedParameters().map(\.tensor), learningRate: 1e-3)
        for _ in 0..<3 {
            Tensor.mseLoss(net(x).softmax(), y).backward()
            opt.step()
            opt.zeroGrad()
        }
        return net.namedParameters().flatMap { $0.tensor.scalars }
    }

    @Test func sameThreadCountGivesTheSameBytes() {
        ThreadCountLock.with(threads: 2) {
            let first = Self.trainBriefly(), second = Self.trainBriefly()
            let differing = zip(first, second).filter { $0 != $1 }.count
            #expect(first.count == second.count && differing == 0, "\(differing) of \(first.count) values differ")
        }
    }

    @Test func threadCountsAgreeWithin1e5() {
        let one = ThreadCountLock.with(threads: 1) { Self.trainBriefly() }
        let two = ThreadCountLock.with(threads: 2) { Self.trainBriefly() }
        let worst = zip(one, two).map { abs($0 - $1) }.max()!
        #expect(worst <= 1e-5, "max |Δ| = \(worst)")
    }

    @Test func aTrainingStepAllocatesNothingAfterWarmUp() {
        let pool = BufferPool()
        BufferPool.$current.withValue(pool) {
            var gen = RandomGenerator(seed: 4)
            let net = TinyConvNet(generator: &gen)
            let x = Tensor.randn([2, 2, 8, 8], generator: &gen), y = Tensor.randn([2, 2, 8, 8], generator: &gen)
            let opt = AdamW(net.namedParameters().map(\.tensor), learningRate: 1e-3)
            func step() {
                let loss = Tensor.mseLoss(net(x), y)
                loss.backward()
                clipGradientNorm(opt.allParameters, maxNorm: 1)
                opt.step()
                opt.zeroGrad()
            }
            step()
            step()
            let warm = pool.freshAllocations
            let reusesBefore = pool.reuses
            for _ in 0..<3 { step() }
            #expect(pool.freshAllocations == warm)
            #expect(pool.reuses > reusesBefore)
        }
    }
}
