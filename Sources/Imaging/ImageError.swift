/// Why an image could not be read or written, with the file it concerns.
///
/// Every decoder failure ends here rather than in a crash, so `dbrun image check` can list all bad files in one
/// run and the CLI can map them to exit code 2 (invalid input).
public struct ImageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The class of failure, for callers (and tests) that react differently to, say, a bomb and a typo.
    public enum Kind: String, Sendable, Codable {
        /// The file could not be opened or read (missing, a directory, permissions).
        case io
        /// Zero bytes.
        case empty
        /// Neither PNG nor JPEG by its first bytes (e.g. a text file named `.png`).
        case notAnImage
        /// The data ends before the image does.
        case truncated
        /// Bad CRC, bad compressed data, bad markers.
        case corrupt
        /// A valid file of a kind we refuse (CMYK JPEG, too many progressive scans).
        case unsupported
        /// Declared dimensions or file size beyond `DecodeLimits`; refused before allocating pixels.
        case tooLarge
        /// A caller error when encoding (wrong channel count, empty image).
        case invalidArgument
    }

    /// The file as the caller named it (or a label such as `<memory>`).
    public var path: String
    public var kind: Kind
    /// A short human sentence, e.g. `IHDR: CRC error`.
    public var reason: String

    public init(path: String, kind: Kind, reason: String) {
        self.path = path
        self.kind = kind
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }
}

/// The NUL-terminated message the C codec layer wrote into `err`.
func cMessage(_ err: [CChar]) -> String {
    String(decoding: err.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
