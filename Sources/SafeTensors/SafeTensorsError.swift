/// Why a safetensors file could not be read or written: always names the file, and the tensor when one is at fault.
public struct SafeTensorsError: Error, CustomStringConvertible, Sendable {
    /// The file's path as the caller gave it.
    public let path: String
    /// The tensor at fault, if the problem is about one.
    public let tensor: String?
    public let message: String

    public init(path: String, tensor: String? = nil, _ message: String) {
        self.path = path
        self.tensor = tensor
        self.message = message
    }

    public var description: String {
        if let tensor { return "\(path): tensor \"\(tensor)\": \(message)" }
        return "\(path): \(message)"
    }
}
