import Foundation

/// Reads a YAML file into `SpecNode`s that remember their line and column, through the system's libyaml.
///
/// Scalars are typed by the YAML 1.2 core schema (`YAMLCoreSchema`); the document's size, nesting and aliases are
/// bounded (`YAMLComposer`), so whatever a file holds, it is answered quickly.
public enum YAMLLoader {
    /// A pipeline is a page or two of YAML; a bigger file is almost surely the wrong one.
    public static let maxFileBytes = 1 << 20

    public static func load(file path: String) throws -> SpecNode {
        let at = SourceLocation(file: path)
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size > maxFileBytes {
            throw tooBig(size, at: at)
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            let exists = FileManager.default.fileExists(atPath: path)
            throw PipelineError.invalid(
                at: at, exists ? "cannot read the file" : "no such file",
                hint: exists ? nil : "check the path; relative paths are taken from the current folder")
        }
        guard data.count <= maxFileBytes else { throw tooBig(data.count, at: at) }
        guard let text = String(data: data, encoding: .utf8) else {
            throw PipelineError.invalid(at: at, "the file is not UTF-8 text")
        }
        return try load(text: text, file: path)
    }

    public static func load(text: String, file: String) throws -> SpecNode {
        let size = text.utf8.count
        guard size <= maxFileBytes else { throw tooBig(size, at: SourceLocation(file: file)) }
        var composer = YAMLComposer(reader: YAMLEventReader(text: text, file: file))
        guard let node = try composer.composeDocument() else {
            throw PipelineError.invalid(at: SourceLocation(file: file, line: 1, column: 1), "the file is empty",
                                        hint: "a pipeline needs at least `version: 1` and `stages:`")
        }
        return node
    }

    private static func tooBig(_ size: Int, at location: SourceLocation) -> PipelineError {
        .invalid(at: location, "the file is \(size) bytes; a pipeline file may be at most \(maxFileBytes >> 20) MB",
                 hint: "check that this is the pipeline file you meant")
    }
}
