/// Why a tokenizer folder could not be loaded: names the file, and the line or key at fault.
public struct TokenizerError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let message: String

    public init(path: String, _ message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}
