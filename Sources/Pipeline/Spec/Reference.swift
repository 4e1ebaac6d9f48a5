/// `${stage.output}` inside a string: the value or published path of another stage's output. Each reference is also
/// an edge of the DAG. `$${` writes a literal `${`; `${NAME}` without a dot is left alone (it is the shell's).
public struct Reference: Sendable, Hashable, CustomStringConvertible {
    public var stage: String
    public var output: String
    public var location: SourceLocation

    public var description: String { "${\(stage).\(output)}" }

    public static func == (a: Self, b: Self) -> Bool { a.stage == b.stage && a.output == b.output }
    public func hash(into h: inout Hasher) {
        h.combine(stage)
        h.combine(output)
    }
}

/// A string split into literal text and references.
public struct Template: Sendable {
    public enum Part: Sendable {
        case text(String)
        case reference(Reference)
    }

    public var parts: [Part]
    /// The string as written, references unresolved: what a cache key holds, since the referenced values enter the
    /// key as upstream output hashes.
    public let source: String

    public var references: [Reference] {
        parts.compactMap { if case .reference(let r) = $0 { r } else { nil } }
    }

    /// Parses `string`, found at `location`. Column positions of references are approximate for block scalars.
    public init(_ string: String, at location: SourceLocation) {
        var parts: [Part] = []
        var text = ""
        var i = string.startIndex
        while i < string.endIndex {
            let rest = string[i...]
            if rest.hasPrefix("$${") {
                text += "${"
                i = string.index(i, offsetBy: 3)
                continue
            }
            if rest.hasPrefix("${"), let close = rest.firstIndex(of: "}") {
                let body = rest[rest.index(i, offsetBy: 2)..<close]
                if let dot = body.firstIndex(of: "."), Self.isStageName(body[..<dot]), Self.isOutputName(body[body.index(after: dot)...]) {
                    if !text.isEmpty { parts.append(.text(text)); text = "" }
                    var at = location
                    if at.line > 0 { at.column += string.distance(from: string.startIndex, to: i) }
                    parts.append(.reference(Reference(stage: String(body[..<dot]),
                                                      output: String(body[body.index(after: dot)...]), location: at)))
                    i = string.index(after: close)
                    continue
                }
            }
            text.append(string[i])
            i = string.index(after: i)
        }
        if !text.isEmpty { parts.append(.text(text)) }
        self.parts = parts
        self.source = string
    }

    /// The string with each reference replaced by `resolve(reference)`.
    public func render(_ resolve: (Reference) throws -> String) rethrows -> String {
        var out = ""
        for part in parts {
            switch part {
            case .text(let t): out += t
            case .reference(let r): out += try resolve(r)
            }
        }
        return out
    }

    /// Whether the whole string is exactly one reference (so a parameter can take the output's value as is).
    public var soleReference: Reference? {
        if parts.count == 1, case .reference(let r) = parts[0] { r } else { nil }
    }

    static func isStageName(_ s: Substring) -> Bool {
        guard let first = s.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic) else {
            return false
        }
        return s.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-") }
    }

    static func isOutputName(_ s: Substring) -> Bool {
        !s.isEmpty && s.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "_-./".unicodeScalars.contains($0))
        }
    }
}
