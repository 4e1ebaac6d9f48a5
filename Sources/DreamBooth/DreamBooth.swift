import Pipeline

/// The DreamBooth stage kinds, registered with the runner by the CLI. Empty until the kinds land.
public enum DreamBoothKinds {
    public static var all: [any StageKind] { [] }
}
