import Foundation

/// A JSON value: stage parameters after references are resolved, record contents, and the parts of a cache key.
public enum PlainValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([PlainValue])
    case object([String: PlainValue])

    public var string: String? { if case .string(let s) = self { s } else { nil } }
    public var int: Int? { if case .int(let i) = self { i } else { nil } }
    public var double: Double? {
        switch self {
        case .int(let i): Double(i)
        case .double(let d): d
        default: nil
        }
    }
    public var bool: Bool? { if case .bool(let b) = self { b } else { nil } }
    public var array: [PlainValue]? { if case .array(let a) = self { a } else { nil } }
    public var object: [String: PlainValue]? { if case .object(let o) = self { o } else { nil } }

    public subscript(key: String) -> PlainValue? { object?[key] }

    /// The text a value stands for when substituted into a string (a `${stage.output}` inside a prompt or a command).
    public var interpolated: String {
        switch self {
        case .null: ""
        case .bool(let b): String(b)
        case .int(let i): String(i)
        case .double(let d): String(d)
        case .string(let s): s
        case .array, .object: canonicalJSON
        }
    }
}

// MARK: - Canonical JSON

extension PlainValue {
    /// One byte sequence per value, whoever computes it: keys sorted by their UTF-8 bytes, no whitespace, integers
    /// as integers, doubles in Swift's shortest round-trip form, strings with the minimal JSON escapes.
    /// This is what cache keys hash, so it must never depend on dictionary order or locale.
    public var canonicalJSON: String {
        var out = ""
        writeCanonical(to: &out)
        return out
    }

    private func writeCanonical(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d):
            if d.isFinite, d == d.rounded(), abs(d) < 1e15 {
                out += String(Int(d)) + ".0"
            } else if d.isFinite {
                out += String(d)
            } else {
                out += "null"  // JSON has no inf/NaN; the schema rejects them before they get here.
            }
        case .string(let s): Self.writeJSONString(s, to: &out)
        case .array(let a):
            out += "["
            for (i, v) in a.enumerated() {
                if i > 0 { out += "," }
                v.writeCanonical(to: &out)
            }
            out += "]"
        case .object(let o):
            out += "{"
            for (i, key) in o.keys.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }).enumerated() {
                if i > 0 { out += "," }
                Self.writeJSONString(key, to: &out)
                out += ":"
                o[key]!.writeCanonical(to: &out)
            }
            out += "}"
        }
    }

    static func writeJSONString(_ s: String, to out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}

// MARK: - Codable (records on disk are plain JSON)

extension PlainValue: Codable {
    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int.self) { self = .int(i) }
        else if let d = try? c.decode(Double.self) { self = .double(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([PlainValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: PlainValue].self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .int(let i): try c.encode(i)
        case .double(let d): try c.encode(d)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }
}
