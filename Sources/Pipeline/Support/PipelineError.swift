/// Every error the runner reports: where, what, and — when we can tell — how to fix it.
/// The CLI maps `category` to DESIGN.md's exit codes in one place.
public struct PipelineError: Error, Sendable, CustomStringConvertible {
    public enum Category: Sendable {
        /// The spec, an argument or an input file is wrong: exit 2.
        case invalidInput
        /// A stage or command failed while running: exit 1.
        case failed
        /// The user interrupted (Ctrl-C, SIGTERM): exit 130.
        case interrupted
    }

    public var category: Category
    public var location: SourceLocation?
    public var message: String
    /// A suggested fix, printed on its own line after the message.
    public var hint: String?

    public init(_ category: Category, at location: SourceLocation? = nil, _ message: String, hint: String? = nil) {
        self.category = category
        self.location = location
        self.message = message
        self.hint = hint
    }

    public static func invalid(at location: SourceLocation? = nil, _ message: String, hint: String? = nil) -> Self {
        Self(.invalidInput, at: location, message, hint: hint)
    }

    public static func failed(_ message: String, hint: String? = nil) -> Self {
        Self(.failed, message, hint: hint)
    }

    public static let interrupted = Self(.interrupted, "interrupted")

    /// Messages quote the user's text; a hostile file must not make them megabytes long.
    static let maxMessageLength = 1000

    public var description: String {
        let message = self.message.count > Self.maxMessageLength ? self.message.prefix(Self.maxMessageLength) + "…" : self.message
        var text = location.map { "\($0): error: \(message)" } ?? "error: \(message)"
        if let hint { text += "\n  hint: \(hint)" }
        return text
    }
}

/// Several validation problems found in one pass, so the user fixes them all at once.
///
/// A hostile file can hold hundreds of thousands of problems; checks keep the first `keepLimit` and count the
/// rest in `omitted` (or, when they stop looking, set `stoppedEarly`), and only `reportLimit` are printed.
public struct PipelineErrors: Error, Sendable, CustomStringConvertible {
    public var errors: [PipelineError]
    /// Problems found beyond those kept.
    public var omitted: Int
    /// The check stopped looking once it had `keepLimit` problems, so there may be more than `count`.
    public var stoppedEarly: Bool

    public init(_ errors: [PipelineError], omitted: Int = 0, stoppedEarly: Bool = false) {
        self.errors = errors
        self.omitted = omitted
        self.stoppedEarly = stoppedEarly
    }

    /// How many problems are printed; the rest are counted. Checks may skip costly hints beyond this many.
    public static let reportLimit = 20
    /// How many problems a check keeps in memory.
    public static let keepLimit = 1000

    /// Every problem found, kept or not.
    public var count: Int { errors.count + omitted }

    public var description: String {
        var lines = errors.prefix(Self.reportLimit).map(\.description)
        if count > Self.reportLimit { lines.append("… and \(count - Self.reportLimit) more\(stoppedEarly ? " (checking stopped there)" : "")") }
        return lines.joined(separator: "\n")
    }
}
