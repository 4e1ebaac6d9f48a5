/// Builds located `SpecNode`s from libyaml's events, with bounds that keep any file cheap to answer.
///
/// Anchors and aliases are allowed, and an alias shares the anchored node's storage (Swift's copy-on-write), so
/// building is linear in the file. But everything downstream — the schema, references, cache keys — walks the
/// expanded tree, so the composer counts the expanded size as it goes (an alias adds its anchor's size, known
/// once the anchor is complete) and refuses a document that expands past `maxNodes` values: a "billion laughs"
/// file is answered in milliseconds, at the alias that tips it over.
struct YAMLComposer {
    static let maxNodes = 100_000
    /// Expanded bytes of scalar text: a long string repeated through aliases costs what its copies would. As much
    /// as the largest file holds, so only aliases can pass it.
    static let maxScalarBytes = 1 << 20
    static let maxDepth = 64

    private struct Anchored {
        var node: SpecNode
        var nodes: Int
        var bytes: Int
    }

    private let reader: YAMLEventReader
    private var anchors: [String: Anchored] = [:]
    /// Anchors whose node is still open: an alias to one of them would make the document infinite.
    private var open: Set<String> = []
    private var nodes = 0
    private var bytes = 0

    init(reader: YAMLEventReader) {
        self.reader = reader
    }

    /// The stream's only document, or nil for a stream with none.
    mutating func composeDocument() throws -> SpecNode? {
        _ = try expect("the start of the YAML stream") { if case .streamStart = $0 { true } else { false } }
        let first = try reader.next()
        if case .streamEnd = first.kind { return nil }
        guard case .documentStart = first.kind else { throw unexpected(first) }
        let root = try node(try reader.next(), depth: 1)
        _ = try expect("the end of the document") { if case .documentEnd = $0 { true } else { false } }
        let after = try reader.next()
        switch after.kind {
        case .streamEnd: return root
        case .documentStart:
            throw PipelineError.invalid(at: after.location, "the file holds more than one YAML document",
                                        hint: "a pipeline file is one document: remove this `---` or split the file")
        default: throw unexpected(after)
        }
    }

    private mutating func node(_ event: YAMLEvent, depth: Int) throws -> SpecNode {
        let location = event.location
        let startNodes = nodes, startBytes = bytes
        let built: SpecNode
        let anchor: String?
        switch event.kind {
        case .alias(let name):
            return try alias(name, at: location)
        case .scalar(let text, let a, let tag, let plain):
            anchor = a
            try count(nodes: 1, bytes: text.utf8.count, at: location, viaAlias: false)
            let value: SpecNode.Value
            if plain {
                value = try YAMLCoreSchema.resolve(plain: text, at: location)
            } else if let tag {
                value = try YAMLCoreSchema.resolve(text, tag: tag, at: location)
            } else {
                value = .string(text)
            }
            built = SpecNode(value, at: location)
        case .sequenceStart(let a, let tag):
            anchor = a
            try checkCollection(tag: tag, allowed: "tag:yaml.org,2002:seq", depth: depth, at: location)
            if let a { open.insert(a) }
            try count(nodes: 1, bytes: 0, at: location, viaAlias: false)
            var items: [SpecNode] = []
            while true {
                let next = try reader.next()
                if case .sequenceEnd = next.kind { break }
                items.append(try node(next, depth: depth + 1))
            }
            built = SpecNode(.array(items), at: location)
        case .mappingStart(let a, let tag):
            anchor = a
            try checkCollection(tag: tag, allowed: "tag:yaml.org,2002:map", depth: depth, at: location)
            if let a { open.insert(a) }
            try count(nodes: 1, bytes: 0, at: location, viaAlias: false)
            built = SpecNode(.object(try entries(depth: depth)), at: location)
        default:
            throw unexpected(event)
        }
        if let anchor {
            open.remove(anchor)
            anchors[anchor] = Anchored(node: built, nodes: nodes - startNodes, bytes: bytes - startBytes)
        }
        return built
    }

    private mutating func entries(depth: Int) throws -> [SpecNode.Entry] {
        var entries: [SpecNode.Entry] = []
        var firstLine: [String: Int] = [:]
        while true {
            let keyEvent = try reader.next()
            if case .mappingEnd = keyEvent.kind { break }
            let keyNode = try node(keyEvent, depth: depth + 1)
            let keyLocation = keyEvent.location
            // A plain key keeps its text as written (`0x10:` is the key "0x10"), as the schema sees keys as strings.
            let written: String? = if case .scalar(let text, _, _, _) = keyEvent.kind { text } else { nil }
            guard let key = written ?? keyNode.string ?? Self.scalarText(keyNode) else {
                throw PipelineError.invalid(at: keyLocation, "a mapping key must be a plain string")
            }
            if key == "<<" {
                throw PipelineError.invalid(at: keyLocation, "YAML merge keys (<<) are not supported",
                                            hint: "write the keys out; anchors and aliases (&x, *x) work")
            }
            if let line = firstLine[key] {
                throw PipelineError.invalid(at: keyLocation,
                                            "duplicate key '\(key.prefix(80))' in one mapping (first on line \(line))",
                                            hint: "each stage name and each key may appear once; rename one of them")
            }
            firstLine[key] = keyLocation.line
            entries.append(.init(key: key, keyLocation: keyLocation, value: try node(try reader.next(), depth: depth + 1)))
        }
        return entries
    }

    private mutating func alias(_ name: String, at location: SourceLocation) throws -> SpecNode {
        guard let anchored = anchors[name] else {
            if open.contains(name) {
                throw PipelineError.invalid(at: location, "alias *\(name) refers to a node that contains it",
                                            hint: "a YAML alias may repeat a finished node, not one it is inside")
            }
            throw PipelineError.invalid(at: location, "YAML alias *\(name) has no anchor &\(name) before it",
                                        hint: "define `&\(name)` on a value above this line, or fix the spelling")
        }
        try count(nodes: anchored.nodes, bytes: anchored.bytes, at: location, viaAlias: true)
        var copy = anchored.node
        copy.location = location
        return copy
    }

    private mutating func count(nodes n: Int, bytes b: Int, at location: SourceLocation, viaAlias: Bool) throws {
        nodes += n
        bytes += b
        guard nodes > Self.maxNodes || bytes > Self.maxScalarBytes else { return }
        let what = nodes > Self.maxNodes ? "\(Self.maxNodes) values" : "\(Self.maxScalarBytes >> 20) MiB of text"
        if viaAlias {
            throw PipelineError.invalid(
                at: location, "with this alias the document expands to more than \(what)",
                hint: "aliases may repeat a value, but not multiply it without bound; write out what you need")
        }
        throw PipelineError.invalid(at: location, "the document holds more than \(what)",
                                    hint: "a pipeline this large is not something dbrun can check quickly; split it")
    }

    private func checkCollection(tag: String?, allowed: String, depth: Int, at location: SourceLocation) throws {
        if let tag, tag != allowed, tag != "!" {
            throw PipelineError.invalid(at: location, "the YAML tag \(tag) is not supported", hint: "remove the tag")
        }
        if depth > Self.maxDepth {
            throw PipelineError.invalid(at: location, "the YAML nests deeper than \(Self.maxDepth) levels",
                                        hint: "a pipeline needs a handful of levels; check for runaway brackets")
        }
    }

    /// The text of an aliased scalar key that the core schema typed (`*one:` for `&one 1`).
    private static func scalarText(_ node: SpecNode) -> String? {
        switch node.value {
        case .null: ""
        case .bool(let b): String(b)
        case .int(let i): String(i)
        case .double(let d): String(d)
        default: nil
        }
    }

    private func expect(_ what: String, _ matches: (YAMLEvent.Kind) -> Bool) throws -> YAMLEvent {
        let event = try reader.next()
        guard matches(event.kind) else { throw unexpected(event, expected: what) }
        return event
    }

    private func unexpected(_ event: YAMLEvent, expected: String = "a YAML value") -> PipelineError {
        .invalid(at: event.location, "YAML syntax: expected \(expected) here")
    }
}
