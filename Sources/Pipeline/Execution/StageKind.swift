import Foundation

/// One kind of stage (`command`, and the DreamBooth kinds). The executor owns caching, locking and publishing;
/// a kind only says what the stage reads, what it will produce, and how to produce it.
public protocol StageKind: Sendable {
    /// The `kind:` value in pipeline files.
    var name: String { get }
    /// Bump when the kind's behaviour changes, so results computed by older code are not reused.
    var version: Int { get }
    /// Whether the pipeline's `seed` affects the result (and so belongs in the key).
    var usesSeed: Bool { get }

    /// Checks what the schema cannot (paths that leave the workspace, values that must agree) and declares the
    /// stage's outputs. Runs at validation, before anything executes; throw `PipelineError`s with locations.
    func declareOutputs(of stage: StageSpec, in pipeline: PipelineSpec) throws -> [OutputDeclaration]

    /// What makes this stage's result what it is, besides upstream outputs: its parameters as written (references
    /// unresolved) and the workspace paths whose contents it reads (paths with references are upstream outputs and
    /// need not be listed).
    func identity(of stage: StageSpec, in pipeline: PipelineSpec) throws -> StageIdentity

    /// Produces the outputs. Files and folders go where `job.outputURL(_:)` says; returns the value outputs.
    func run(_ job: StageJob) throws -> [String: PlainValue]
}

/// A stage's parameters and inputs, as they enter the cache key.
public struct StageIdentity: Sendable {
    public var parameters: PlainValue
    /// Paths relative to the pipeline's folder, hashed by content.
    public var inputs: [String]

    public init(parameters: PlainValue, inputs: [String]) {
        self.parameters = parameters
        self.inputs = inputs
    }
}

/// An output a stage promises.
public struct OutputDeclaration: Sendable, Equatable {
    public enum Form: Sendable, Equatable {
        /// A JSON value returned by `run` (e.g. the chosen identifier token).
        case value
        /// A file or folder the stage writes in its private scratch folder; dbrun publishes it at
        /// `out/PIPELINE/STAGE/fileName` once the stage succeeds.
        case published(fileName: String, isFolder: Bool)
        /// A file or folder the stage writes in place in the workspace (the `command` kind's `outs`).
        case inPlace(path: String)
    }

    public var name: String
    public var form: Form

    public init(name: String, form: Form) {
        self.name = name
        self.form = form
    }
}

/// The stage kinds a run knows, by name.
public struct StageKindRegistry: Sendable {
    private var kinds: [String: any StageKind] = [:]

    public init(_ kinds: [any StageKind] = []) {
        for kind in kinds { register(kind) }
    }

    /// The registry every `dbrun` starts from: the generic `command` kind.
    public static var builtIn: StageKindRegistry { StageKindRegistry([CommandKind()]) }

    public mutating func register(_ kind: any StageKind) { kinds[kind.name] = kind }

    public subscript(name: String) -> (any StageKind)? { kinds[name] }

    public var names: [String] { kinds.keys.sorted() }
}
