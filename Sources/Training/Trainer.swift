import Foundation
import Tensor

/// The training loop: for each step, `gradientAccumulation` micro-batches of data, forward, loss and backward, then
/// clipping, the optimizer step at the scheduled rate, the EMA update, a report and, every `checkpointEvery` steps,
/// a checkpoint. Given a checkpoint folder it resumes from the newest checkpoint there, and the result is the same
/// bytes as a run that was never interrupted (same thread count and kernels).
public final class Trainer<Task: TrainingTask> {
    public let task: Task
    public let plan: TrainingPlan
    public let optimizer: AdamW
    public let ema: ExponentialMovingAverage?
    /// Where checkpoints go (a stage's resume folder); nil trains without them.
    public let checkpointFolder: URL?
    /// Called after every step with its figures; throw (e.g. on Ctrl-C) to stop — the last checkpoint stays.
    public var onStep: (TrainingReport) throws -> Void = { _ in }
    /// Plain lines worth a log entry (resumed, checkpoint ignored).
    public var onNote: (String) -> Void = { _ in }

    /// The curve of every step so far, resumed ones included.
    public private(set) var curve = LossCurve()
    /// Training seconds over every run that led here.
    public private(set) var seconds: Double = 0
    public private(set) var resumedFrom = 0
    /// Seconds this process spent drawing micro-batches (rendering, decoding), a part of `seconds`.
    public private(set) var dataSeconds: Double = 0

    private let parameters: [(name: String, tensor: Tensor)]

    public init(task: Task, plan: TrainingPlan, checkpointFolder: URL? = nil) throws {
        guard plan.problems.isEmpty else { throw TrainingError.invalidPlan(plan.problems) }
        self.task = task
        self.plan = plan
        self.checkpointFolder = checkpointFolder
        parameters = task.trainableParameters
        optimizer = AdamW(task.parameterGroups(learningRate: plan.learningRate, weightDecay: plan.weightDecay),
                          beta1: plan.adamBeta1, beta2: plan.adamBeta2, epsilon: plan.adamEpsilon)
        ema = plan.ema.map {
            ExponentialMovingAverage(task.trainableParameters, decay: $0.decay, minDecay: $0.minDecay,
                                     warmup: $0.warmup, updateAfterStep: $0.updateAfterStep)
        }
    }

    /// The random stream of micro-batch `index`: the plan's seed, positioned so no two micro-batches share numbers
    /// (2³² Philox blocks each).
    public static func random(seed: UInt64, microBatch index: Int) -> RandomGenerator {
        RandomGenerator(seed: seed, offset: UInt64(index) << 32)
    }

    /// Trains to `plan.steps`, resuming first when a checkpoint is there. Returns the finished curve.
    @discardableResult
    public func run() throws -> LossCurve {
        let start = try resume()
        let started = Date()
        let secondsBefore = seconds
        var report = TrainingReport(step: start, totalSteps: plan.steps, loss: .nan, smoothedLoss: .nan,
                                    learningRate: 0, examplesPerSecond: 0, secondsLeft: .nan, resumedFrom: start,
                                    checkpointed: false, dataShare: 0)
        for step in start..<plan.steps {
            let factor = plan.learningRateFactor(at: step)
            optimizer.scaleLearningRates(by: factor)
            let loss = try accumulateGradients(step: step)
            let norm = plan.maxGradNorm.map { clipGradientNorm(optimizer.allParameters, maxNorm: $0) }
            optimizer.step()
            optimizer.zeroGrad()
            ema?.update(parameters)
            curve.points.append(.init(step: step + 1, loss: loss, learningRate: plan.learningRate * factor,
                                      gradNorm: norm))

            let elapsed = Date().timeIntervalSince(started)
            seconds = secondsBefore + elapsed
            let done = step + 1
            let checkpointed = checkpointFolder != nil && (done % plan.checkpointEvery == 0 || done == plan.steps)
            if checkpointed { try writeCheckpoint(step: done) }
            let perStep = elapsed / Double(done - start)
            report.step = done
            report.loss = loss
            report.smoothedLoss = curve.recentMean() ?? loss
            report.learningRate = plan.learningRate * factor
            report.examplesPerSecond = Double(task.examplesPerBatch * plan.gradientAccumulation) / perStep
            report.secondsLeft = perStep * Double(plan.steps - done)
            report.checkpointed = checkpointed
            report.dataShare = dataSeconds / Swift.max(elapsed, 1e-9)
            try onStep(report)
        }
        return curve
    }

    /// Sums the gradients of one step's micro-batches (each loss scaled by 1/accumulation, as accelerate does) and
    /// returns their mean loss.
    private func accumulateGradients(step: Int) throws -> Float {
        let micro = plan.gradientAccumulation
        var total: Float = 0
        for m in 0..<micro {
            let index = step * micro + m
            let fetched = Date()
            let batch = try task.batch(index)
            dataSeconds += Date().timeIntervalSince(fetched)
            var random = Self.random(seed: plan.seed, microBatch: index)
            let loss = try task.loss(batch, random: &random)
            let value = loss.item
            guard value.isFinite else { throw TrainingError.nonFiniteLoss(step: step + 1, loss: value) }
            (micro == 1 ? loss : loss * (1 / Float(micro))).backward()
            total += value
        }
        return total / Float(micro)
    }

    /// Restores the newest readable checkpoint made under this plan; returns the step to continue from.
    private func resume() throws -> Int {
        guard let folder = checkpointFolder else { return 0 }
        for (step, url) in TrainingCheckpoint.existing(in: folder) {
            guard let state = try? TrainingCheckpoint.readState(url) else {
                onNote("ignoring \(url.lastPathComponent): its state cannot be read")
                continue
            }
            guard state.plan == plan, state.step == step, step <= plan.steps else {
                onNote("ignoring \(url.lastPathComponent): it was made under other training options")
                continue
            }
            let restored = try TrainingCheckpoint.restore(from: url, parameters: parameters, optimizer: optimizer, ema: ema)
            curve = restored.curve
            seconds = restored.seconds
            resumedFrom = step
            onNote("resumed from \(url.lastPathComponent) (step \(step) of \(plan.steps))")
            return step
        }
        return 0
    }

    private func writeCheckpoint(step: Int) throws {
        guard let folder = checkpointFolder else { return }
        let state = TrainingCheckpoint.State(step: step, plan: plan, curve: curve, seconds: seconds)
        try TrainingCheckpoint.write(state, parameters: parameters, optimizer: optimizer, ema: ema, into: folder)
    }

    /// Puts the EMA's averaged weights into the trained parameters (before saving the model, as diffusers'
    /// `ema_unet.copy_to`); does nothing without EMA.
    public func applyAverage() {
        ema?.copy(to: parameters)
    }
}
