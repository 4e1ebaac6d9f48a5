// Module DreamBooth: the stage kinds of DreamBooth (Ruiz et al., CVPR 2023) — the rare-token identifier, the
// class images for prior preservation, the base fine-tune, the super-resolution fine-tune, sampling and the
// paper's evaluation — registered with the runner, on any Stable Diffusion folder: the embedded world's or a
// real one.
import Pipeline
import Pretraining

/// The DreamBooth stage kinds, registered with the runner by the CLI.
public enum DreamBoothKinds {
    public static var all: [any StageKind] { [IdentifierKind(), ClassImagesKind(), FinetuneBaseKind(), FinetuneSRKind(), SampleKind(), EvaluateKind(), CompareKind()] }

    /// The stage kinds `dbrun` knows: the runner's own, the embedded world's training kinds, and DreamBooth's.
    public static var registry: StageKindRegistry {
        var registry = StageKindRegistry.builtIn
        for kind in PretrainingKinds.all + all { registry.register(kind) }
        return registry
    }
}
