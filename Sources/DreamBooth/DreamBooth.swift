import Pipeline
import Pretraining

/// The DreamBooth stage kinds, registered with the runner by the CLI. Empty until the kinds land.
public enum DreamBoothKinds {
    public static var all: [any StageKind] { [] }

    /// The stage kinds `dbrun` knows: the runner's own, the embedded world's training kinds, and DreamBooth's.
    public static var registry: StageKindRegistry {
        var registry = StageKindRegistry.builtIn
        for kind in PretrainingKinds.all + all { registry.register(kind) }
        return registry
    }
}
