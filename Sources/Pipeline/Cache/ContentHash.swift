import Crypto
import Foundation

/// The content hash of a file or folder, as cache keys and records hold it: a file is the SHA-256 of its bytes
/// (64 hex digits); a folder is the SHA-256 of its manifest, with `.dir` appended (as DVC marks folder hashes).
public struct ContentHash: Sendable, Hashable, Codable, CustomStringConvertible {
    public let value: String

    public init(_ value: String) { self.value = value }

    public var isFolder: Bool { value.hasSuffix(".dir") }
    public var description: String { value }
    /// The first digits, for messages.
    public var short: String { String(value.prefix(12)) }

    public init(from decoder: Decoder) throws { value = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(value)
    }

    static func sha256Hex(_ data: some DataProtocol) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }
}

/// A folder's content: relative file paths (sorted) with their hashes. Stored as an object in its own right, so a
/// cached folder can be rebuilt and compared file by file.
public struct FolderManifest: Sendable, Equatable {
    public var files: [(path: String, hash: ContentHash)]

    public static func == (a: Self, b: Self) -> Bool {
        a.files.count == b.files.count && zip(a.files, b.files).allSatisfy { $0.path == $1.path && $0.hash == $1.hash }
    }

    /// The canonical bytes hashed into the folder's hash.
    public var canonicalData: Data {
        Data(PlainValue.array(files.map { .array([.string($0.path), .string($0.hash.value)]) }).canonicalJSON.utf8)
    }

    public var hash: ContentHash { ContentHash(ContentHash.sha256Hex(canonicalData) + ".dir") }

    public init(files: [(path: String, hash: ContentHash)]) { self.files = files }

    public init(data: Data) throws {
        guard let rows = try? JSONDecoder().decode([[String]].self, from: data), rows.allSatisfy({ $0.count == 2 }) else {
            throw PipelineError.failed("a folder manifest in the cache is malformed")
        }
        files = rows.map { ($0[0], ContentHash($0[1])) }
    }

    /// Paths added, removed or changed from `old` to `self`, for `dbrun why`.
    public func changes(since old: FolderManifest) -> [String] {
        let before = Dictionary(old.files.map { ($0.path, $0.hash) }, uniquingKeysWith: { a, _ in a })
        let after = Dictionary(files.map { ($0.path, $0.hash) }, uniquingKeysWith: { a, _ in a })
        var out: [String] = []
        for (path, hash) in files {
            if let was = before[path] { if was != hash { out.append("modified \(path)") } } else { out.append("added \(path)") }
        }
        for (path, _) in old.files where after[path] == nil { out.append("removed \(path)") }
        return out
    }
}
