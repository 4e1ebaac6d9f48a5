import Pipeline

/// The DreamBooth stage kinds, registered with the runner by the CLI. Empty until the kinds land.
public enum DreamBoothKinds {
    public static var all: [any StageKind] { [] }

    /// The stage kinds `dbrun` knows: the runner's own plus DreamBooth's.
    public static var registry: StageKindRegistry {
        var registry = StageKindRegistry.builtIn
        for kind in all { registry.register(kind) }
        return registry
    }
}
