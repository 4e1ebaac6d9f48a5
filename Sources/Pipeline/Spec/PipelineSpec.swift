import Foundation

/// A pipeline file, validated: its stages in file order, each with the references it makes.
public struct PipelineSpec: Sendable {
    /// The file as the user named it, for messages.
    public var file: String
    /// The pipeline file's folder, absolute: relative paths resolve against it, and it holds `.dbrun/` and `out/`.
    public var workspace: URL
    public var name: String
    public var seed: Int
    public var stages: [StageSpec]
    /// The environment variables the file reads as `${env.NAME}`, with their values when it was loaded. Keys hold
    /// the reference as written and the content of the paths it names, never the value, so two machines with the
    /// same files in different places get the same keys.
    public var environment: [String: String] = [:]

    /// The pseudo-stage of `${env.NAME}` references; no stage may take its name.
    public static let environmentStage = "env"

    public func stage(_ name: String) -> StageSpec? { stages.first { $0.name == name } }

    /// An absolute URL for a path written relative to the pipeline's folder (`${env.NAME}` expanded).
    public func resolve(_ relative: String) -> URL {
        let path = expandingEnvironment(relative)
        return path.hasPrefix("/") ? URL(fileURLWithPath: path).standardizedFileURL
                                   : workspace.appendingPathComponent(path).standardizedFileURL
    }

    /// `text` with its `${env.NAME}` references replaced by their values (other references left as written).
    public func expandingEnvironment(_ text: String) -> String {
        guard text.contains("${\(Self.environmentStage).") else { return text }
        return Template(text, at: SourceLocation(file: file)).render { ref in
            ref.stage == Self.environmentStage ? environment[ref.output] ?? "" : ref.description
        }
    }
}

/// One stage as written: its kind, its body, and the edges it declares.
public struct StageSpec: Sendable {
    public var name: String
    public var kind: String
    /// Where the stage's name is written.
    public var location: SourceLocation
    /// The stage's mapping (`kind`, `with`, `needs`, and a kind's own top-level keys such as `cmd`).
    public var body: SpecNode
    public var needs: [Dependency]
    /// Every `${stage.output}` in the stage's strings, in document order.
    public var references: [Reference]

    public struct Dependency: Sendable {
        public var stage: String
        public var location: SourceLocation
    }

    /// The built-in kinds' parameters: the `with` mapping (empty when absent).
    public var with: SpecNode {
        body["with"] ?? SpecNode(.object([]), at: location)
    }

    /// The stages this one reads from or must follow, without repeats, in the order first mentioned.
    public var upstreamNames: [String] {
        var seen = Set<String>()
        return (references.map(\.stage) + needs.map(\.stage)).filter { seen.insert($0).inserted }
    }
}

extension SpecNode {
    /// Every reference inside this node's strings.
    var references: [Reference] {
        switch value {
        case .string(let s): Template(s, at: location).references
        case .array(let a): a.flatMap(\.references)
        case .object(let e): e.flatMap(\.value.references)
        default: []
        }
    }
}
