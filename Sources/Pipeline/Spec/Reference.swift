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
    ///
    /// One pass: each `${` looks ahead only over name characters, so no string makes this quadratic.
    public init(_ string: String, at location: SourceLocation) {
        self.source = string
        guard string.utf8.contains(UInt8(ascii: "$")) else {
            self.parts = string.isEmpty ? [] : [.text(string)]
            return
        }
        let chars = Array(string)
        func isStageChar(_ c: Character) -> Bool {
            c.isASCII && (c.isLetter || c.isNumber || c == "_" || c == "-")
        }
        func isOutputChar(_ c: Character) -> Bool {
            isStageChar(c) || c == "." || c == "/"
        }
        var parts: [Part] = []
        var text = ""
        var i = 0
        while i < chars.count {
            if chars[i] == "$", i + 2 < chars.count, chars[i + 1] == "$", chars[i + 2] == "{" {
                text += "${"
                i += 3
                continue
            }
            if chars[i] == "$", i + 1 < chars.count, chars[i + 1] == "{" {
                var dot = i + 2
                while dot < chars.count, isStageChar(chars[dot]) { dot += 1 }
                var close = dot + 1
                while close < chars.count, isOutputChar(chars[close]) { close += 1 }
                if dot < chars.count, chars[dot] == ".", close < chars.count, chars[close] == "}", close > dot + 1 {
                    let stage = String(chars[(i + 2)..<dot]), output = String(chars[(dot + 1)..<close])
                    if Self.isStageName(Substring(stage)) {
                        if !text.isEmpty { parts.append(.text(text)); text = "" }
                        var at = location
                        if at.line > 0 { at.column += i }
                        parts.append(.reference(Reference(stage: stage, output: output, location: at)))
                        i = close + 1
                        continue
                    }
                }
            }
            text.append(chars[i])
            i += 1
        }
        if !text.isEmpty { parts.append(.text(text)) }
        self.parts = parts
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
