/// An input a model cannot take (ids outside the vocabulary, a sequence longer than the position table, an image
/// of the wrong size), named by the input and the model, so a caller's mistake is never a crash inside a kernel.
public struct ModelInputError: Error, CustomStringConvertible, Sendable {
    /// The model, e.g. `CLIPTextModel`.
    public let model: String
    /// The input at fault, e.g. `input_ids[1]`.
    public let input: String
    public let message: String

    public init(model: String, input: String, _ message: String) {
        self.model = model
        self.input = input
        self.message = message
    }

    public var description: String { "\(model): \(input): \(message)" }
}
