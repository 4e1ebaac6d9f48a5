/// One `--set PATH=VALUE` from the command line: a value of the pipeline file replaced (or added) before anything
/// checks the file, as DVC's `--set-param` and Snakemake's `--config` do, so `--set seed=1` reruns a pipeline on
/// another seed without a copy of it. PATH is dot-separated keys (`seed`,
/// `stages.finetune_base.with.learning_rate`); VALUE is read as YAML, so it has the type it would have in the
/// file (`1e-5`, `true`, `[a, b]`), and the schema and the kinds check it like the rest. Every problem names the
/// option. A value the file shares through a YAML alias is copied where the alias is used, so setting it at one
/// place leaves the others as they are.
public struct SpecOverride: Sendable {
    public var path: [String]
    public var value: SpecNode
    /// The option as given, where messages point.
    public var location: SourceLocation

    public init(parsing option: String) throws {
        location = SourceLocation(file: "--set \(option)")
        guard let equals = option.firstIndex(of: "=") else {
            throw PipelineError.invalid(at: location, "expected PATH=VALUE", hint: "e.g. --set seed=1")
        }
        path = option[..<equals].split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !path.contains(where: \.isEmpty) else {
            throw PipelineError.invalid(at: location, "the path '\(option[..<equals])' has an empty key",
                                        hint: "keys are separated by single dots: stages.NAME.with.KEY")
        }
        let text = String(option[option.index(after: equals)...])
        let parsed = text.isEmpty ? SpecNode(.null, at: location) : try YAMLLoader.load(text: text, file: location.file)
        value = parsed.relocated(to: location)
    }

    /// `root` with every override applied in order (a later one wins).
    public static func apply(_ overrides: [SpecOverride], to root: SpecNode) throws -> SpecNode {
        try overrides.reduce(root) { node, override in try override.apply(to: node, at: 0) }
    }

    private func apply(to node: SpecNode, at depth: Int) throws -> SpecNode {
        guard var entries = node.entries else {
            let above = path[..<depth].joined(separator: ".")
            let what = switch node.typeName { case "array": "a list"; case "integer": "an integer"; case let other: "a \(other)" }
            throw PipelineError.invalid(at: location, "'\(above)' is \(what), not a mapping with keys",
                                        hint: "set the whole value: --set \(above)=…")
        }
        let key = path[depth]
        let index = entries.firstIndex { $0.key == key }
        if depth == path.count - 1 {
            if let index { entries[index].value = value } else {
                entries.append(.init(key: key, keyLocation: location, value: value))
            }
        } else {
            guard let index else {
                let above = path[..<depth].joined(separator: ".")
                throw PipelineError.invalid(at: location, "\(above.isEmpty ? "the pipeline" : "'\(above)'") has no key '\(key)'",
                                            hint: Suggestion.didYouMean(key, among: entries.map(\.key)))
            }
            entries[index].value = try apply(to: entries[index].value, at: depth + 1)
        }
        return SpecNode(.object(entries), at: node.location)
    }
}

extension SpecNode {
    /// The same value with every location (its own and its children's) moved to `location`.
    func relocated(to location: SourceLocation) -> SpecNode {
        switch value {
        case .array(let items):
            return SpecNode(.array(items.map { $0.relocated(to: location) }), at: location)
        case .object(let entries):
            return SpecNode(.object(entries.map { .init(key: $0.key, keyLocation: location, value: $0.value.relocated(to: location)) }), at: location)
        default:
            return SpecNode(value, at: location)
        }
    }
}
