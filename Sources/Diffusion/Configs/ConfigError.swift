/// Why a `config.json` was refused: names the file, the field (with its index for lists) and the value.
public struct ConfigError: Error, CustomStringConvertible, Sendable {
    /// The file, once known (validation inside a struct leaves it empty and loading fills it in).
    public var path: String
    /// The field at fault, e.g. `up_block_types[1]`; nil for whole-file problems.
    public let field: String?
    public let message: String

    public init(path: String = "", field: String? = nil, _ message: String) {
        self.path = path
        self.field = field
        self.message = message
    }

    /// `field = value is not supported; supported: a, b` — the shape of every refused value.
    static func unsupported(_ field: String, _ value: String, supported: [String]) -> ConfigError {
        ConfigError(field: field, "\(field) = \(value) is not supported; supported: \(supported.joined(separator: ", "))")
    }

    /// `field = value: reason` for values that are out of range or inconsistent.
    static func invalid(_ field: String, _ value: String, _ reason: String) -> ConfigError {
        ConfigError(field: field, "\(field) = \(value): \(reason)")
    }

    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}

/// Checks shared by the config structs.
enum ConfigCheck {
    static func oneOf(_ field: String, _ value: String, _ supported: [String]) throws(ConfigError) {
        guard supported.contains(value) else { throw ConfigError.unsupported(field, "\"\(value)\"", supported: supported) }
    }

    static func each(_ field: String, _ values: [String], _ supported: [String]) throws(ConfigError) {
        for (i, value) in values.enumerated() { try oneOf("\(field)[\(i)]", value, supported) }
    }

    static func positive(_ field: String, _ value: Int) throws(ConfigError) {
        guard value > 0 else { throw ConfigError.invalid(field, "\(value)", "must be positive") }
    }

    static func positive(_ field: String, _ values: [Int]) throws(ConfigError) {
        for (i, value) in values.enumerated() { try positive("\(field)[\(i)]", value) }
    }

    static func divides(_ field: String, _ value: Int, _ otherField: String, _ other: Int) throws(ConfigError) {
        guard value > 0, other % value == 0 else {
            throw ConfigError.invalid(field, "\(value)", "must divide \(otherField) = \(other)")
        }
    }

    static func sameCount(_ field: String, _ count: Int, as otherField: String, _ expected: Int) throws(ConfigError) {
        guard count == expected else {
            throw ConfigError.invalid(field, "\(count) entries", "must have as many entries as \(otherField) (\(expected))")
        }
    }
}
