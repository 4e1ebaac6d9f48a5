import Foundation
import Testing
import Tensor
@testable import Training

/// A two-layer regression net fitting y = sin-free fixed linear map of x, with input noise drawn from the loop's
/// stream so that the random position matters to the result.
final class RegressionTask: TrainingTask {
    let fc1: Linear, fc2: Linear
    let target: Tensor
    let batchSize = 8
    var batchesRead: [Int] = []

    init(seed: UInt64 = 7) {
        var generator = RandomGenerator(seed: seed)
        fc1 = Linear(4, 16, generator: &generator)
        fc2 = Linear(16, 3, generator: &generator)
        target = Tensor.randn([4, 3], generator: &generator)
    }

    var trainableParameters: [(name: String, tensor: Tensor)] {
        fc1.namedParameters().map { ("fc1." + $0.name, $0.tensor) } + fc2.namedParameters().map { ("fc2." + $0.name, $0.tensor) }
    }
    var examplesPerBatch: Int { batchSize }

    func batch(_ index: Int) throws -> (x: Tensor, y: Tensor) {
        batchesRead.append(index)
        var generator = RandomGenerator(seed: 99, offset: UInt64(index) << 16)
        let x = Tensor.randn([batchSize, 4], generator: &generator)
        return (x, noGrad { Tensor.matmul(x, target) })
    }

    func loss(_ batch: (x: Tensor, y: Tensor), random: inout RandomGenerator) throws -> Tensor {
        let noisy = batch.x + Tensor.randn(batch.x.shape, std: 0.01, generator: &random)
        return Tensor.mseLoss(fc2(fc1(noisy).silu()), batch.y)
    }

    var weightBytes: [[Float]] { trainableParameters.map(\.tensor.scalars) }
}

struct Interrupted: Error {}

@Suite struct TrainerTests {
    static func temporaryFolder() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("trainer-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static let plan = TrainingPlan(steps: 12, learningRate: 3e-3, gradientAccumulation: 2, schedule: .cosine,
                                   warmupSteps: 3, maxGradNorm: 0.5, ema: .init(decay: 0.99), checkpointEvery: 4,
                                   seed: 5)

    @Test func lossFalls() throws {
        let task = RegressionTask()
        var plan = Self.plan
        plan.steps = 200
        plan.ema = nil
        let curve = try Trainer(task: task, plan: plan).run()
        let first = curve.points.prefix(10).map(\.loss).reduce(0, +) / 10
        let last = curve.points.suffix(10).map(\.loss).reduce(0, +) / 10
        #expect(curve.points.count == 200)
        #expect(last < first * 0.2, "loss \(first) → \(last)")
    }

    /// The contract: kill after any step, rerun, and the weights, optimizer, EMA and curve are the
    /// uninterrupted run's, bit for bit.
    @Test(arguments: [1, 5, 8, 11])
    func resumeAfterAnInterruptionEqualsAnUninterruptedRun(stopAfter: Int) throws {
        let reference = RegressionTask()
        let uninterrupted = try Trainer(task: reference, plan: Self.plan, checkpointFolder: Self.temporaryFolder())
        let referenceCurve = try uninterrupted.run()

        let folder = Self.temporaryFolder()
        let first = try Trainer(task: RegressionTask(), plan: Self.plan, checkpointFolder: folder)
        first.onStep = { if $0.step == stopAfter { throw Interrupted() } }
        #expect(throws: Interrupted.self) { try first.run() }

        // A fresh process: new model from the same initialisation, new optimizer, resumed from the folder.
        let task = RegressionTask()
        let second = try Trainer(task: task, plan: Self.plan, checkpointFolder: folder)
        var firstReported: TrainingReport?
        second.onStep = { if firstReported == nil { firstReported = $0 } }
        let curve = try second.run()
        let checkpointStep = stopAfter / 4 * 4
        #expect(second.resumedFrom == checkpointStep)
        #expect(task.batchesRead.first == checkpointStep * 2)
        #expect(firstReported?.step == checkpointStep + 1)
        #expect(firstReported.map { $0.examplesPerSecond > 0 && $0.secondsLeft.isFinite } == true)
        #expect(curve == referenceCurve)
        #expect(task.weightBytes == reference.weightBytes)
        #expect(second.optimizer.stateDict().mapValues(\.scalars) == uninterrupted.optimizer.stateDict().mapValues(\.scalars))
        #expect(second.ema!.stateDict().mapValues(\.scalars) == uninterrupted.ema!.stateDict().mapValues(\.scalars))
    }

    @Test func onlyTheNewestCheckpointIsKeptAndPartialWritesAreIgnored() throws {
        let folder = Self.temporaryFolder()
        try Trainer(task: RegressionTask(), plan: Self.plan, checkpointFolder: folder).run()
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        #expect(names == ["checkpoint-000012"])

        // A newer checkpoint whose state is torn (as if written by a tool that is not atomic) and a half-written
        // temporary folder: both are passed over, and the run resumes from the last good checkpoint (step 12: done).
        let torn = folder.appendingPathComponent("checkpoint-000016")
        try FileManager.default.createDirectory(at: torn, withIntermediateDirectories: true)
        try Data("{\"step\": 16".utf8).write(to: torn.appendingPathComponent("state.json"))
        try FileManager.default.createDirectory(at: folder.appendingPathComponent(".partial-x"), withIntermediateDirectories: true)
        let task = RegressionTask()
        let trainer = try Trainer(task: task, plan: Self.plan, checkpointFolder: folder)
        var notes: [String] = []
        trainer.onNote = { notes.append($0) }
        try trainer.run()
        #expect(trainer.resumedFrom == 12)
        #expect(task.batchesRead.isEmpty)
        #expect(notes.contains { $0.contains("checkpoint-000016") })
    }

    @Test func aCheckpointFromOtherOptionsIsNotResumed() throws {
        let folder = Self.temporaryFolder()
        try Trainer(task: RegressionTask(), plan: Self.plan, checkpointFolder: folder).run()
        var other = Self.plan
        other.learningRate = 1e-3
        let trainer = try Trainer(task: RegressionTask(), plan: other, checkpointFolder: folder)
        try trainer.run()
        #expect(trainer.resumedFrom == 0)
    }

    @Test func aMisshapenCheckpointNamesTheTensor() throws {
        let folder = Self.temporaryFolder()
        var plan = Self.plan
        plan.steps = 4
        try Trainer(task: RegressionTask(), plan: plan, checkpointFolder: folder).run()
        final class Wider: TrainingTask {
            let inner = RegressionTask()
            let wide = Tensor.zeros([17]).requiringGrad()
            var trainableParameters: [(name: String, tensor: Tensor)] {
                inner.trainableParameters.map { $0.name == "fc1.bias" ? ($0.name, wide) : $0 }
            }
            var examplesPerBatch: Int { 8 }
            func batch(_ index: Int) throws -> (x: Tensor, y: Tensor) { try inner.batch(index) }
            func loss(_ batch: (x: Tensor, y: Tensor), random: inout RandomGenerator) throws -> Tensor { try inner.loss(batch, random: &random) }
        }
        // The optimizer state must follow the weights: build it over the misshapen tensor too.
        let trainer = try Trainer(task: Wider(), plan: plan, checkpointFolder: folder)
        let error = #expect(throws: (any Error).self) { try trainer.run() }
        #expect("\(error!)".contains("fc1.bias"))
    }

    @Test func accumulationSumsMicroBatchesLikeOneLargerBatch() throws {
        // Two micro-batches of 8 with mean losses ≈ one batch of 16: the first step's update is the same up to rounding.
        final class Fixed: TrainingTask {
            let inner = RegressionTask()
            let size: Int
            init(size: Int) { self.size = size }
            var trainableParameters: [(name: String, tensor: Tensor)] { inner.trainableParameters }
            var examplesPerBatch: Int { size }
            func batch(_ index: Int) throws -> (x: Tensor, y: Tensor) {
                var generator = RandomGenerator(seed: 3)
                let x = Tensor.randn([16, 4], generator: &generator)
                let y = noGrad { Tensor.matmul(x, inner.target) }
                guard size == 8 else { return (x, y) }
                let rows = index % 2 == 0 ? 0..<8 : 8..<16
                return (Tensor(shape: [8, 4], scalars: Array(x.scalars[rows.lowerBound * 4..<rows.upperBound * 4])),
                        Tensor(shape: [8, 3], scalars: Array(y.scalars[rows.lowerBound * 3..<rows.upperBound * 3])))
            }
            func loss(_ batch: (x: Tensor, y: Tensor), random: inout RandomGenerator) throws -> Tensor {
                Tensor.mseLoss(inner.fc2(inner.fc1(batch.x).silu()), batch.y)
            }
        }
        var plan = TrainingPlan(steps: 1, learningRate: 1e-2, maxGradNorm: nil)
        let whole = Fixed(size: 16)
        try Trainer(task: whole, plan: plan).run()
        plan.gradientAccumulation = 2
        let halves = Fixed(size: 8)
        try Trainer(task: halves, plan: plan).run()
        let initial = RegressionTask().weightBytes.flatMap { $0 }
        let a = whole.inner.weightBytes.flatMap { $0 }, b = halves.inner.weightBytes.flatMap { $0 }
        let moved = zip(a, initial).map { abs($0 - $1) }.max()!
        let differ = zip(a, b).map { abs($0 - $1) }.max()!
        #expect(moved > 1e-3)
        #expect(differ < moved * 1e-3)
    }

    @Test func aNonFiniteLossStopsWithTheStep() throws {
        final class Exploding: TrainingTask {
            let weight = Tensor(shape: [1], scalars: [1]).requiringGrad()
            var trainableParameters: [(name: String, tensor: Tensor)] { [("w", weight)] }
            var examplesPerBatch: Int { 1 }
            func batch(_ index: Int) throws -> Int { index }
            func loss(_ batch: Int, random: inout RandomGenerator) throws -> Tensor {
                batch == 2 ? (weight * Float.infinity).sum() : (weight * weight).sum()
            }
        }
        let error = #expect(throws: TrainingError.self) {
            try Trainer(task: Exploding(), plan: TrainingPlan(steps: 5, learningRate: 0.1)).run()
        }
        #expect("\(error!)".contains("step 3"))
    }

    @Test func badOptionsAreNamed() {
        let error = #expect(throws: TrainingError.self) {
            try Trainer(task: RegressionTask(), plan: TrainingPlan(steps: 0, learningRate: -1, gradientAccumulation: 0))
        }
        let text = "\(error!)"
        for name in ["steps", "learning_rate", "gradient_accumulation_steps"] { #expect(text.contains(name)) }
    }

    /// diffusers' `get_scheduler` at a few steps (values from its lambda formulas).
    @Test func schedulesFollowDiffusers() {
        let linear = TrainingPlan(steps: 100, learningRate: 1, schedule: .linear, warmupSteps: 10)
        #expect(linear.learningRateFactor(at: 0) == 0)
        #expect(linear.learningRateFactor(at: 5) == 0.5)
        #expect(linear.learningRateFactor(at: 10) == 1)
        #expect(abs(linear.learningRateFactor(at: 55) - 0.5) < 1e-6)
        #expect(linear.learningRateFactor(at: 100) == 0)
        let cosine = TrainingPlan(steps: 100, learningRate: 1, schedule: .cosine, warmupSteps: 10)
        #expect(abs(cosine.learningRateFactor(at: 55) - 0.5) < 1e-6)
        let warm = TrainingPlan(steps: 100, learningRate: 1, schedule: .constantWithWarmup, warmupSteps: 4)
        #expect(warm.learningRateFactor(at: 1) == 0.25)
        #expect(warm.learningRateFactor(at: 50) == 1)
    }
}
