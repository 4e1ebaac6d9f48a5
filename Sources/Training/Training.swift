// Module Training: the one training loop every model in dbrun goes through — the embedded world's pretraining and
// the DreamBooth fine-tunes. On the engine only (Tensor) and the safetensors format its checkpoints use.
//
// TrainingPlan.swift        what to run: steps, accumulation, learning rate and schedule, clipping, EMA, checkpoints
// TrainingTask.swift        what a model contributes: parameters, a seeded data stream, a loss
// Trainer.swift             the loop: data, forward, backward, accumulate, clip, step, EMA, report, checkpoint
// TrainingCheckpoint.swift  everything a resume needs, written atomically, read back strictly
// TrainingReport.swift      one step's figures (loss, images/s, ETA) as progress shows them
// LossCurve.swift           the per-step loss record, saved as JSON
import Tensor
