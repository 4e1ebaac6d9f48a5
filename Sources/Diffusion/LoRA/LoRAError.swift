/// Why adapters could not be injected, saved or loaded: names the file, key or module at fault.
public struct LoRAError: Error, CustomStringConvertible, Sendable {
    /// The file, when one is involved.
    public var path: String?
    public let message: String

    public init(path: String? = nil, _ message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { path.map { "\($0): \(message)" } ?? message }
}
