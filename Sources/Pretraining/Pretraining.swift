// Module Pretraining: the stage kinds that train the embedded world's models from scratch — a CLIP whose text
// tower is Stable Diffusion's text encoder, the VAE, the base UNet, the ×4 upscaler, an evaluator CLIP and the
// identity encoder — each a `TrainingTask` run by the one loop in module Training, in a pipeline stage that
// resumes from its checkpoints (pipelines/toyworld-pretrain.yaml).
import Pipeline

/// The kinds this module registers with the runner.
public enum PretrainingKinds {
    public static var all: [any StageKind] {
        [TrainCLIPKind(), TrainVAEKind(), TrainBaseKind(), TrainUpscalerKind(), TrainIdentityKind()]
    }
}
