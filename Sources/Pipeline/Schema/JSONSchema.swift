import Foundation

/// A JSON Schema (draft 2020-12) validator for the subset of keywords dbrun's schema uses, reporting problems at
/// the YAML line and column of the offending value.
///
/// The schema file is the single source of truth for what a pipeline may contain, so the validator refuses a schema
/// that uses a keyword it does not implement, rather than silently accepting what the schema meant to forbid.
public struct JSONSchema: Sendable {
    public let document: PlainValue

    static let supportedKeywords: Set<String> = [
        "$schema", "$id", "$ref", "$defs", "$comment", "title", "description", "markdownDescription", "default",
        "examples", "format", "deprecated", "type", "enum", "const", "properties", "required", "additionalProperties",
        "patternProperties", "propertyNames", "minProperties", "items", "minItems", "maxItems", "uniqueItems",
        "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "pattern",
        "allOf", "anyOf", "oneOf", "not", "if", "then", "else",
    ]

    public init(json: Data) throws {
        let document: PlainValue
        do {
            document = try JSONDecoder().decode(PlainValue.self, from: json)
        } catch {
            throw PipelineError.failed("the pipeline schema is not valid JSON: \(error)")
        }
        try Self.checkKeywords(document, path: "#")
        self.document = document
    }

    /// Every problem in `node`, in document order, up to `PipelineErrors.keepLimit` (then it stops looking).
    /// Empty means valid.
    public func validate(_ node: SpecNode) -> [PipelineError] {
        var problems: [PipelineError] = []
        validate(node, against: document, path: [], into: &problems)
        return problems
    }

    // MARK: - Keywords

    private func validate(_ node: SpecNode, against schema: PlainValue, path: [String], into problems: inout [PipelineError]) {
        guard problems.count < PipelineErrors.keepLimit else { return }
        if case .bool(let allowed) = schema {
            if !allowed { problems.append(.invalid(at: node.location, "\(Self.name(path)) is not allowed here")) }
            return
        }
        guard let s = schema.object else { return }

        if let ref = s["$ref"]?.string {
            guard let target = resolve(ref) else {
                problems.append(.failed("the pipeline schema has a broken $ref \(ref)"))
                return
            }
            validate(node, against: target, path: path, into: &problems)
        }

        if let type = s["type"], !Self.matches(node, type: type) {
            let expected = type.array?.compactMap(\.string).joined(separator: " or ") ?? type.string ?? "?"
            problems.append(.invalid(at: node.location,
                                     "\(Self.name(path)) must be \(Self.article(expected)), not \(Self.article(node.typeName)) (\(node))"))
            return  // further keywords would only repeat the same complaint
        }
        if let options = s["enum"]?.array, !options.contains(node.plain) {
            let words = options.map(\.interpolated)
            problems.append(.invalid(
                at: node.location, "\(Self.name(path)) is \(node), which is not one of: \(words.joined(separator: ", "))",
                hint: node.string.flatMap { Suggestion.didYouMean($0, among: words) }))
        }
        if let constant = s["const"], constant != node.plain {
            problems.append(.invalid(at: node.location, "\(Self.name(path)) must be \(constant.canonicalJSON)"))
        }

        switch node.value {
        case .object(let entries): validateObject(node, entries, s, path: path, into: &problems)
        case .array(let items): validateArray(node, items, s, path: path, into: &problems)
        case .string(let string): validateString(node, string, s, path: path, into: &problems)
        case .int, .double: validateNumber(node, node.number!, s, path: path, into: &problems)
        default: break
        }

        for sub in s["allOf"]?.array ?? [] { validate(node, against: sub, path: path, into: &problems) }
        if let branches = s["anyOf"]?.array { validateAnyOf(node, branches, path: path, exactlyOne: false, into: &problems) }
        if let branches = s["oneOf"]?.array { validateAnyOf(node, branches, path: path, exactlyOne: true, into: &problems) }
        if let not = s["not"], errors(node, not, path).isEmpty {
            problems.append(.invalid(at: node.location, "\(Self.name(path)) matches a form that is not allowed"))
        }
        if let condition = s["if"] {
            let branch = errors(node, condition, path).isEmpty ? s["then"] : s["else"]
            if let branch { validate(node, against: branch, path: path, into: &problems) }
        }
    }

    private func validateObject(_ node: SpecNode, _ entries: [SpecNode.Entry], _ s: [String: PlainValue],
                                path: [String], into problems: inout [PipelineError]) {
        let properties = s["properties"]?.object ?? [:]
        let patterns = (s["patternProperties"]?.object ?? [:]).map { (Self.regex($0.key), $0.value) }
        for name in s["required"]?.array?.compactMap(\.string) ?? [] where !entries.contains(where: { $0.key == name }) {
            problems.append(.invalid(at: node.location, "\(Self.name(path)) is missing the required key '\(name)'"))
        }
        if let minimum = s["minProperties"]?.int, entries.count < minimum {
            problems.append(.invalid(at: node.location, "\(Self.name(path)) needs at least \(minimum) entr\(minimum == 1 ? "y" : "ies")"))
        }
        for entry in entries {
            let childPath = path + [entry.key]
            if let names = s["propertyNames"] {
                let keyNode = SpecNode(.string(entry.key), at: entry.keyLocation)
                for problem in errors(keyNode, names, path) {
                    problems.append(.invalid(at: entry.keyLocation, "key '\(entry.key)' in \(Self.name(path)): \(problem.message)",
                                             hint: problem.hint))
                }
            }
            var matched = false
            if let sub = properties[entry.key] {
                matched = true
                validate(entry.value, against: sub, path: childPath, into: &problems)
            }
            for (regex, sub) in patterns where Self.matches(entry.key, regex) {
                matched = true
                validate(entry.value, against: sub, path: childPath, into: &problems)
            }
            if matched { continue }
            switch s["additionalProperties"] {
            case .bool(false)?:
                let known = properties.keys.sorted()
                problems.append(.invalid(
                    at: entry.keyLocation, "unknown key '\(entry.key)' in \(Self.name(path))",
                    hint: Suggestion.didYouMean(entry.key, among: known)
                        ?? (known.isEmpty ? nil : "valid keys: \(known.joined(separator: ", "))")))
            case let sub?:
                validate(entry.value, against: sub, path: childPath, into: &problems)
            case nil:
                break
            }
        }
    }

    private func validateArray(_ node: SpecNode, _ items: [SpecNode], _ s: [String: PlainValue],
                               path: [String], into problems: inout [PipelineError]) {
        if let minimum = s["minItems"]?.int, items.count < minimum {
            problems.append(.invalid(at: node.location, "\(Self.name(path)) needs at least \(minimum) item\(minimum == 1 ? "" : "s")"))
        }
        if let maximum = s["maxItems"]?.int, items.count > maximum {
            problems.append(.invalid(at: node.location, "\(Self.name(path)) takes at most \(maximum) item\(maximum == 1 ? "" : "s")"))
        }
        if s["uniqueItems"]?.bool == true {
            var seen = Set<PlainValue>()
            for item in items where !seen.insert(item.plain).inserted {
                problems.append(.invalid(at: item.location, "\(Self.name(path)) lists \(item) twice"))
            }
        }
        if let sub = s["items"] {
            for (i, item) in items.enumerated() { validate(item, against: sub, path: path + ["[\(i)]"], into: &problems) }
        }
    }

    private func validateString(_ node: SpecNode, _ string: String, _ s: [String: PlainValue],
                                path: [String], into problems: inout [PipelineError]) {
        if let minimum = s["minLength"]?.int, string.count < minimum {
            problems.append(.invalid(at: node.location, minimum == 1 ? "\(Self.name(path)) must not be empty"
                                                                      : "\(Self.name(path)) needs at least \(minimum) characters"))
        }
        if let maximum = s["maxLength"]?.int, string.count > maximum {
            problems.append(.invalid(at: node.location, "\(Self.name(path)) takes at most \(maximum) characters"))
        }
        if let pattern = s["pattern"]?.string, !Self.matches(string, Self.regex(pattern)) {
            problems.append(.invalid(at: node.location, "\(Self.name(path)) is \(node), which does not match \(pattern)",
                                     hint: s["description"]?.string))
        }
    }

    private func validateNumber(_ node: SpecNode, _ x: Double, _ s: [String: PlainValue],
                                path: [String], into problems: inout [PipelineError]) {
        func fail(_ relation: String, _ bound: PlainValue) {
            problems.append(.invalid(at: node.location, "\(Self.name(path)) is \(node); it must be \(relation) \(bound.interpolated)"))
        }
        if let b = s["minimum"], let v = b.double, x < v { fail("at least", b) }
        if let b = s["maximum"], let v = b.double, x > v { fail("at most", b) }
        if let b = s["exclusiveMinimum"], let v = b.double, x <= v { fail("greater than", b) }
        if let b = s["exclusiveMaximum"], let v = b.double, x >= v { fail("less than", b) }
    }

    /// anyOf/oneOf: when no branch fits, report the branch that came closest (fewest problems), since listing every
    /// branch's complaints buries the one the user meant.
    private func validateAnyOf(_ node: SpecNode, _ branches: [PlainValue], path: [String], exactlyOne: Bool,
                               into problems: inout [PipelineError]) {
        let results = branches.map { errors(node, $0, path) }
        let passing = results.filter(\.isEmpty).count
        if passing == 0, let closest = results.min(by: { $0.count < $1.count }) {
            problems.append(contentsOf: closest)
        } else if exactlyOne, passing > 1 {
            problems.append(.invalid(at: node.location, "\(Self.name(path)) matches more than one allowed form"))
        }
    }

    private func errors(_ node: SpecNode, _ schema: PlainValue, _ path: [String]) -> [PipelineError] {
        var found: [PipelineError] = []
        validate(node, against: schema, path: path, into: &found)
        return found
    }

    // MARK: - Helpers

    /// Resolves a local reference such as `#/$defs/stage`.
    private func resolve(_ ref: String) -> PlainValue? {
        guard ref.hasPrefix("#") else { return nil }
        var current = document
        for part in ref.dropFirst().split(separator: "/") {
            let key = part.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            guard let next = current[key] else { return nil }
            current = next
        }
        return current
    }

    private static func matches(_ node: SpecNode, type: PlainValue) -> Bool {
        let names = type.array?.compactMap(\.string) ?? [type.string ?? ""]
        return names.contains { name in
            switch (name, node.value) {
            case ("null", .null), ("boolean", .bool), ("integer", .int), ("number", .int), ("number", .double),
                 ("string", .string), ("array", .array), ("object", .object): true
            case ("integer", .double(let d)): d == d.rounded()
            default: false
            }
        }
    }

    private static func regex(_ pattern: String) -> NSRegularExpression? {
        try? NSRegularExpression(pattern: pattern)
    }

    private static func matches(_ string: String, _ regex: NSRegularExpression?) -> Bool {
        guard let regex else { return false }
        return regex.firstMatch(in: string, range: NSRange(string.startIndex..., in: string)) != nil
    }

    /// `stages.train.with.steps`, or "the pipeline" at the top.
    static func name(_ path: [String]) -> String {
        path.isEmpty ? "the pipeline" : path.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
    }

    private static func article(_ word: String) -> String {
        let first = word.first.map { "aeiou".contains($0) } ?? false
        return word.contains(" or ") ? word : (first ? "an \(word)" : "a \(word)")
    }

    private static func checkKeywords(_ schema: PlainValue, path: String) throws {
        guard let object = schema.object else { return }
        for (key, value) in object {
            guard supportedKeywords.contains(key) else {
                throw PipelineError.failed("the pipeline schema uses '\(key)' at \(path), which dbrun's validator does not implement")
            }
            switch key {
            case "properties", "patternProperties", "$defs":
                for (name, sub) in value.object ?? [:] { try checkKeywords(sub, path: "\(path)/\(key)/\(name)") }
            case "allOf", "anyOf", "oneOf":
                for (i, sub) in (value.array ?? []).enumerated() { try checkKeywords(sub, path: "\(path)/\(key)/\(i)") }
            case "items", "additionalProperties", "propertyNames", "not", "if", "then", "else":
                try checkKeywords(value, path: "\(path)/\(key)")
            case "pattern":
                if regex(value.string ?? "") == nil {
                    throw PipelineError.failed("the pipeline schema has an invalid pattern at \(path)")
                }
            default: break
            }
        }
        for (pattern, _) in object["patternProperties"]?.object ?? [:] where regex(pattern) == nil {
            throw PipelineError.failed("the pipeline schema has an invalid patternProperties key at \(path)")
        }
    }
}
