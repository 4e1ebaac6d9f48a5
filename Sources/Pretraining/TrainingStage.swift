import Foundation
import Imaging
import Pipeline
import Tensor
import Training

/// What every training kind shares: the plan read from diffusers' option names, the loop run against the stage's
/// resume folder (so a killed stage continues from its last checkpoint), progress on the terminal and in the log,
/// the loss curve as JSON and PNG in the `logs` output, and the figures `dbrun status` shows.
package enum TrainingStage {
    /// The option names every training kind accepts, as diffusers' training scripts spell them.
    package static let planKeys = [
        "max_train_steps", "gradient_accumulation_steps", "learning_rate", "lr_scheduler", "lr_warmup_steps",
        "adam_beta1", "adam_beta2", "adam_epsilon", "adam_weight_decay", "max_grad_norm", "use_ema", "ema_decay",
        "ema_min_decay", "ema_update_after_step", "ema_power_warmup", "checkpointing_steps", "seed",
    ]

    /// The plan a stage asks for; `defaults` are the kind's own (a VAE and a UNet want different rates).
    package static func plan(_ p: StageParameters, seed pipelineSeed: Int, defaults: TrainingPlan) throws -> TrainingPlan {
        var plan = defaults
        plan.steps = try p.int("max_train_steps", default: defaults.steps)
        plan.gradientAccumulation = try p.int("gradient_accumulation_steps", default: defaults.gradientAccumulation)
        plan.learningRate = try p.float("learning_rate", default: defaults.learningRate)
        let schedule = try p.string("lr_scheduler", default: defaults.schedule.rawValue)
        guard let kind = TrainingPlan.Schedule(rawValue: schedule) else {
            throw PipelineError.invalid(at: p.node("lr_scheduler")?.location ?? p.stage.location,
                                        "stage '\(p.stage.name)': unknown lr_scheduler '\(schedule)'",
                                        hint: "one of: " + TrainingPlan.Schedule.allCases.map(\.rawValue).joined(separator: ", "))
        }
        plan.schedule = kind
        plan.warmupSteps = try p.int("lr_warmup_steps", default: defaults.warmupSteps)
        plan.adamBeta1 = try p.float("adam_beta1", default: defaults.adamBeta1)
        plan.adamBeta2 = try p.float("adam_beta2", default: defaults.adamBeta2)
        plan.adamEpsilon = try p.float("adam_epsilon", default: defaults.adamEpsilon)
        plan.weightDecay = try p.float("adam_weight_decay", default: defaults.weightDecay)
        plan.maxGradNorm = try p.optionalDouble("max_grad_norm").map(Float.init) ?? (p.node("max_grad_norm") == nil ? defaults.maxGradNorm : nil)
        if try p.bool("use_ema", default: defaults.ema != nil) {
            let base = defaults.ema ?? .init()
            plan.ema = .init(decay: try p.double("ema_decay", default: base.decay),
                             minDecay: try p.double("ema_min_decay", default: base.minDecay),
                             updateAfterStep: try p.int("ema_update_after_step", default: base.updateAfterStep),
                             powerWarmup: try p.bool("ema_power_warmup", default: base.powerWarmup))
        } else {
            plan.ema = nil
        }
        plan.checkpointEvery = try p.int("checkpointing_steps", default: defaults.checkpointEvery)
        plan.seed = UInt64(try p.int("seed", default: pipelineSeed))
        guard plan.problems.isEmpty else {
            throw PipelineError.invalid(at: p.stage.location, "stage '\(p.stage.name)': " + plan.problems.joined(separator: "; "))
        }
        return plan
    }

    /// Trains `task` under `plan` in the job's resume folder (calling `afterStep` after each step: validation
    /// samples), then lets `save` write the model (EMA weights in
    /// place when the plan keeps an average) and writes the `logs` output. Returns the trainer for kinds that
    /// want more figures.
    @discardableResult
    package static func run<Task: TrainingTask>(_ task: Task, plan: TrainingPlan, job: StageJob,
                                                afterStep: @escaping (TrainingReport) throws -> Void = { _ in },
                                                save: (Task) throws -> Void) throws -> Trainer<Task> {
        let trainer = try Trainer(task: task, plan: plan, checkpointFolder: job.resumeFolder.appendingPathComponent("checkpoints"))
        let parameters = task.trainableParameters.reduce(0) { $0 + $1.tensor.count }
        job.progress.line("training \(parameters) parameters for \(plan.steps) steps of \(task.examplesPerBatch * plan.gradientAccumulation) examples")
        trainer.onNote = { job.progress.line($0) }
        var announcedResume = false
        trainer.onStep = { report in
            if !announcedResume {
                job.progress.resume(fromStep: report.step - 1)
                announcedResume = true
            }
            let logged = report.step % 10 == 0 || report.checkpointed || report.step == report.totalSteps
            job.progress.status(report.line, log: logged)
            try afterStep(report)
            try job.checkCancellation()
        }
        let curve = try trainer.run()
        trainer.applyAverage()
        try save(task)
        try writeLogs(curve, to: job.outputURL("logs"), title: job.stage.name)
        job.report(figure: "steps", .int(plan.steps))
        job.report(figure: "final_loss", .double(Double(curve.recentMean() ?? .nan)))
        job.report(figure: "train_seconds", .double((trainer.seconds * 10).rounded() / 10))
        job.report(figure: "parameters", .int(parameters))
        if trainer.seconds > 0 {
            let examples = Double(plan.steps * plan.gradientAccumulation * task.examplesPerBatch)
            job.report(figure: "examples_per_second", .double((examples / trainer.seconds * 10).rounded() / 10))
        }
        return trainer
    }

    /// `loss_curve.json` and `loss_curve.png` (raw and a 50-step running mean, log scale).
    package static func writeLogs(_ curve: LossCurve, to folder: URL, title: String) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try curve.jsonData().write(to: folder.appendingPathComponent("loss_curve.json"))
        let raw = curve.points.map { (x: Double($0.step), y: Double($0.loss)) }
        var smoothed: [(x: Double, y: Double)] = []
        var window: [Double] = []
        var sum = 0.0
        for point in raw {
            window.append(point.y)
            sum += point.y
            if window.count > 50 { sum -= window.removeFirst() }
            smoothed.append((point.x, sum / Double(window.count)))
        }
        let chart = LineChart.draw([.init(points: raw, color: [0.7, 0.78, 0.95]), .init(points: smoothed, color: [0.1, 0.25, 0.7])],
                                   title: "\(title): loss by step", logY: true)
        try PNGEncoder.write(chart, to: folder.appendingPathComponent("loss_curve.png").path)
    }
}
