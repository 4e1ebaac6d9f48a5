import Pipeline
import Pretraining
import Training

/// The fine-tunes' training plan: diffusers' DreamBooth defaults (400 steps, constant rate, no warm-up, clipping
/// at 1, no EMA; 5e-6 for a full fine-tune, 1e-4 for LoRA) under the shared option names, and `scale_lr`, which
/// multiplies the rate by the examples per optimizer step as diffusers' `--scale_lr` does.
enum FinetunePlan {
    static func read(_ p: StageParameters, job: StageJob, lora: Bool, batchSize: Int) throws -> TrainingPlan {
        let defaults = TrainingPlan(steps: 400, learningRate: lora ? 1e-4 : 5e-6, schedule: .constant, warmupSteps: 0,
                                    weightDecay: 1e-2, maxGradNorm: 1, ema: nil, checkpointEvery: 500)
        var plan = try TrainingStage.plan(p, seed: job.seed, defaults: defaults)
        if try p.bool("scale_lr", default: false) {
            plan.learningRate *= Float(plan.gradientAccumulation * batchSize)
        }
        return plan
    }
}
