/// A YAML value with the place it came from: what the schema validator and the spec decoder walk, so that any
/// complaint can point at the exact line and column.
public struct SpecNode: Sendable, CustomStringConvertible {
    public indirect enum Value: Sendable {
        case null
        case bool(Bool)
        case int(Int)
        case double(Double)
        case string(String)
        case array([SpecNode])
        /// Entries keep file order: stage order in the file is the tie-break for a stable plan.
        case object([Entry])
    }

    /// One key of a mapping, with the key's own location (where "unknown key" errors point).
    public struct Entry: Sendable {
        public var key: String
        public var keyLocation: SourceLocation
        public var value: SpecNode
    }

    public var value: Value
    public var location: SourceLocation

    public init(_ value: Value, at location: SourceLocation) {
        self.value = value
        self.location = location
    }

    public var string: String? { if case .string(let s) = value { s } else { nil } }
    public var int: Int? { if case .int(let i) = value { i } else { nil } }
    public var bool: Bool? { if case .bool(let b) = value { b } else { nil } }
    public var array: [SpecNode]? { if case .array(let a) = value { a } else { nil } }
    public var entries: [Entry]? { if case .object(let e) = value { e } else { nil } }
    public var number: Double? {
        switch value {
        case .int(let i): Double(i)
        case .double(let d): d
        default: nil
        }
    }

    /// The value under `key` of a mapping, if any.
    public subscript(key: String) -> SpecNode? {
        entries?.first { $0.key == key }?.value
    }

    /// The JSON type name, as JSON Schema's `type` keyword spells it.
    public var typeName: String {
        switch value {
        case .null: "null"
        case .bool: "boolean"
        case .int: "integer"
        case .double: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    /// A short rendering for messages, cut off with "…" past about 120 characters, however big the value.
    public var description: String {
        var out = ""
        render(into: &out, limit: 120)
        return out
    }

    /// Appends to `out` until it holds `limit` characters; linear in what it writes, not in the value's size.
    private func render(into out: inout String, limit: Int) {
        guard out.count < limit else { return }
        switch value {
        case .null: out += "null"
        case .bool(let b): out += String(b)
        case .int(let i): out += String(i)
        case .double(let d): out += String(d)
        case .string(let s):
            let room = limit - out.count
            out += s.count > room ? "\"\(s.prefix(room))…\"" : "\"\(s)\""
        case .array(let a):
            out += "["
            for (i, item) in a.enumerated() {
                if out.count >= limit { out += "…"; break }
                if i > 0 { out += ", " }
                item.render(into: &out, limit: limit)
            }
            out += "]"
        case .object(let e):
            out += "{"
            for (i, entry) in e.enumerated() {
                if out.count >= limit { out += "…"; break }
                if i > 0 { out += ", " }
                out += entry.key.count > limit ? entry.key.prefix(limit) + "…" : entry.key
                out += ": "
                entry.value.render(into: &out, limit: limit)
            }
            out += "}"
        }
    }
}

extension SpecNode {
    /// Plain JSON-like value without locations, for cache keys and kind parameters.
    public var plain: PlainValue {
        switch value {
        case .null: .null
        case .bool(let b): .bool(b)
        case .int(let i): .int(i)
        case .double(let d): .double(d)
        case .string(let s): .string(s)
        case .array(let a): .array(a.map(\.plain))
        case .object(let e): .object(Dictionary(e.map { ($0.key, $0.value.plain) }, uniquingKeysWith: { a, _ in a }))
        }
    }
}
