import Foundation
import Yams

/// Reads a YAML file into `SpecNode`s that remember their line and column.
///
/// Scalars are typed by the YAML 1.2 core schema, not YAML 1.1: `on`, `yes` and `no` stay strings (a stage named
/// `no` or a prompt "yes" must not turn into a boolean), timestamps stay strings, and `.inf`/`.nan` are refused.
public enum YAMLLoader {
    public static func load(file path: String) throws -> SpecNode {
        guard let data = FileManager.default.contents(atPath: path) else {
            let exists = FileManager.default.fileExists(atPath: path)
            throw PipelineError.invalid(
                at: SourceLocation(file: path), exists ? "cannot read the file" : "no such file",
                hint: exists ? nil : "check the path; relative paths are taken from the current folder")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw PipelineError.invalid(at: SourceLocation(file: path), "the file is not UTF-8 text")
        }
        return try load(text: text, file: path)
    }

    public static func load(text: String, file: String) throws -> SpecNode {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text, coreSchema)
        } catch let error as YamlError {
            throw translate(error, file: file)
        }
        guard let node else {
            throw PipelineError.invalid(at: SourceLocation(file: file, line: 1, column: 1), "the file is empty",
                                        hint: "a pipeline needs at least `version: 1` and `stages:`")
        }
        return try convert(node, file: file)
    }

    // MARK: - Conversion

    private static func convert(_ node: Node, file: String) throws -> SpecNode {
        let location = SourceLocation(file: file, line: node.mark?.line ?? 0, column: node.mark?.column ?? 0)
        switch node {
        case .scalar(let scalar):
            return SpecNode(try scalarValue(scalar, node: node, at: location), at: location)
        case .sequence(let sequence):
            return SpecNode(.array(try sequence.map { try convert($0, file: file) }), at: location)
        case .mapping(let mapping):
            var entries: [SpecNode.Entry] = []
            for (key, value) in mapping {
                let keyLocation = SourceLocation(file: file, line: key.mark?.line ?? 0, column: key.mark?.column ?? 0)
                guard case .scalar(let k) = key else {
                    throw PipelineError.invalid(at: keyLocation, "a mapping key must be a plain string")
                }
                if k.string == "<<" {
                    throw PipelineError.invalid(at: keyLocation, "YAML merge keys (<<) are not supported",
                                                hint: "write the keys out; anchors and aliases (&x, *x) work")
                }
                entries.append(.init(key: k.string, keyLocation: keyLocation, value: try convert(value, file: file)))
            }
            return SpecNode(.object(entries), at: location)
        case .alias(let alias):
            throw PipelineError.invalid(at: location, "unresolved YAML alias *\(alias.anchor.rawValue)")
        }
    }

    private static func scalarValue(_ scalar: Node.Scalar, node: Node, at location: SourceLocation) throws -> SpecNode.Value {
        switch coreSchema.resolveTag(of: node) {
        case .null: return .null
        case .bool: return .bool(scalar.string.lowercased() == "true")
        case .int:
            guard let i = node.int else {
                throw PipelineError.invalid(at: location, "integer \(scalar.string) is out of range")
            }
            return .int(i)
        case .float:
            guard let d = node.float, d.isFinite else {
                throw PipelineError.invalid(at: location, "\(scalar.string) is not a finite number")
            }
            return .double(d)
        default: return .string(scalar.string)
        }
    }

    /// YAML 1.2's core schema (https://yaml.org/spec/1.2.2/#1032-tag-resolution).
    private static let coreSchema: Resolver = {
        do {
            return Resolver.basic
                .appending(try .init(.null, "^(?:~|null|Null|NULL|)$"))
                .appending(try .init(.bool, "^(?:true|True|TRUE|false|False|FALSE)$"))
                .appending(try .init(.int, "^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"))
                .appending(try .init(.float, "^(?:[-+]?(?:\\.[0-9]+|[0-9]+(?:\\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\\.(?:inf|Inf|INF)|\\.(?:nan|NaN|NAN))$"))
        } catch {
            fatalError("invalid built-in YAML resolver pattern: \(error)")
        }
    }()

    // MARK: - Errors

    private static func translate(_ error: YamlError, file: String) -> PipelineError {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return .invalid(at: SourceLocation(file: file, line: mark.line, column: mark.column),
                            "YAML syntax: \(problem)", hint: syntaxHint(problem))
        case .duplicatedKeysInMapping(let duplicates, let context):
            return .invalid(at: SourceLocation(file: file, line: context.mark.line, column: context.mark.column),
                            "duplicate key \(duplicates.map { "'\($0)'" }.joined(separator: ", ")) in one mapping",
                            hint: "each stage name and each key may appear once; rename one of them")
        case .reader(let problem, _, _, _):
            return .invalid(at: SourceLocation(file: file), "cannot read YAML: \(problem)")
        default:
            return .invalid(at: SourceLocation(file: file), "YAML: \(error)")
        }
    }

    private static func syntaxHint(_ problem: String) -> String? {
        if problem.contains("tab") { return "YAML indents with spaces, not tabs" }
        if problem.contains("mapping values are not allowed") {
            return "a value containing ': ' must be quoted, or a key is indented wrongly"
        }
        if problem.contains("did not find expected key") { return "check the indentation of this line and the one above" }
        return nil
    }
}
