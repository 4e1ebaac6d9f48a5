/// YAML 1.2's core schema for plain scalars (https://yaml.org/spec/1.2.2/#1032-tag-resolution), not YAML 1.1's:
/// `on`, `yes` and `no` stay strings (a stage named `no` or a prompt "yes" must not turn into a boolean), timestamps
/// stay strings, and `.inf`/`.nan` are refused because a pipeline has no use for them and JSON cannot hold them.
enum YAMLCoreSchema {
    static let strTag = "tag:yaml.org,2002:str"
    static let nullTag = "tag:yaml.org,2002:null"
    static let boolTag = "tag:yaml.org,2002:bool"
    static let intTag = "tag:yaml.org,2002:int"
    static let floatTag = "tag:yaml.org,2002:float"

    /// The value of a plain (unquoted, untagged) scalar.
    static func resolve(plain text: String, at location: SourceLocation) throws -> SpecNode.Value {
        if isNull(text) { return .null }
        if let b = bool(text) { return .bool(b) }
        if let i = try int(text, at: location) { return .int(i) }
        if let d = try float(text, at: location) { return .double(d) }
        return .string(text)
    }

    /// The value of a scalar with an explicit tag (`!!str 1`, `!!int "3"`); quoted or `!` scalars are strings.
    static func resolve(_ text: String, tag: String, at location: SourceLocation) throws -> SpecNode.Value {
        func fail(_ type: String) -> PipelineError {
            .invalid(at: location, "'\(text.prefix(40))' is not a valid \(type)")
        }
        switch tag {
        case "!", strTag: return .string(text)
        case nullTag:
            guard isNull(text) else { throw fail("null") }
            return .null
        case boolTag:
            guard let b = bool(text) else { throw fail("boolean") }
            return .bool(b)
        case intTag:
            guard let i = try int(text, at: location) else { throw fail("integer") }
            return .int(i)
        case floatTag:
            if let i = try int(text, at: location) { return .double(Double(i)) }
            guard let d = try float(text, at: location) else { throw fail("number") }
            return .double(d)
        default:
            throw PipelineError.invalid(at: location, "the YAML tag \(tag) is not supported",
                                        hint: "remove the tag; quote the value to make it a string")
        }
    }

    static func isNull(_ s: String) -> Bool {
        s.isEmpty || s == "~" || s == "null" || s == "Null" || s == "NULL"
    }

    static func bool(_ s: String) -> Bool? {
        switch s {
        case "true", "True", "TRUE": true
        case "false", "False", "FALSE": false
        default: nil
        }
    }

    /// `[-+]?[0-9]+`, `0o[0-7]+` or `0x[0-9a-fA-F]+`; nil when `s` is not an integer, an error when it is one
    /// that does not fit in 64 bits.
    static func int(_ s: String, at location: SourceLocation) throws -> Int? {
        let u = Array(s.utf8)
        let value: Int?
        if u.count > 2, u[0] == UInt8(ascii: "0"), u[1] == UInt8(ascii: "o") {
            guard u.dropFirst(2).allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "7")).contains($0) }) else { return nil }
            value = Int(s.dropFirst(2), radix: 8)
        } else if u.count > 2, u[0] == UInt8(ascii: "0"), u[1] == UInt8(ascii: "x") {
            guard u.dropFirst(2).allSatisfy(isHexDigit) else { return nil }
            value = Int(s.dropFirst(2), radix: 16)
        } else {
            let digits = u.first == UInt8(ascii: "-") || u.first == UInt8(ascii: "+") ? u.dropFirst() : u[...]
            guard !digits.isEmpty, digits.allSatisfy(isDigit) else { return nil }
            value = Int(u.first == UInt8(ascii: "+") ? String(s.dropFirst()) : s)
        }
        guard let value else {
            throw PipelineError.invalid(at: location, "integer \(s.prefix(40)) is out of range")
        }
        return value
    }

    /// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`, and the spellings of infinity and NaN, which are
    /// refused.
    static func float(_ s: String, at location: SourceLocation) throws -> Double? {
        let u = Array(s.utf8)
        var i = 0
        if i < u.count, u[i] == UInt8(ascii: "-") || u[i] == UInt8(ascii: "+") { i += 1 }
        let rest = String(decoding: u[i...], as: UTF8.self)
        if [".inf", ".Inf", ".INF"].contains(rest) || (i == 0 && [".nan", ".NaN", ".NAN"].contains(rest)) {
            throw PipelineError.invalid(at: location, "\(s) is not a finite number")
        }
        func digits() -> Int {
            let start = i
            while i < u.count, isDigit(u[i]) { i += 1 }
            return i - start
        }
        let whole = digits()
        var fraction = 0
        if i < u.count, u[i] == UInt8(ascii: ".") {
            i += 1
            fraction = digits()
            if whole == 0, fraction == 0 { return nil }
        } else if whole == 0 {
            return nil
        }
        if i < u.count, u[i] == UInt8(ascii: "e") || u[i] == UInt8(ascii: "E") {
            i += 1
            if i < u.count, u[i] == UInt8(ascii: "-") || u[i] == UInt8(ascii: "+") { i += 1 }
            guard digits() > 0 else { return nil }
        }
        guard i == u.count else { return nil }
        // Swift's parser takes every string this grammar admits except a trailing dot ("1.").
        guard let d = Double(s.hasSuffix(".") ? s + "0" : s), d.isFinite else {
            throw PipelineError.invalid(at: location, "\(s.prefix(40)) is not a finite number")
        }
        return d
    }

    private static func isDigit(_ c: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) }
    private static func isHexDigit(_ c: UInt8) -> Bool {
        isDigit(c) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(c) || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(c)
    }
}
