import Foundation

/// A fresh temporary folder for one test, removed when the returned handle is released.
public final class TemporaryFolder {
    public let url: URL
    public init(_ prefix: String = "dbrun-test") throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(prefix)-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }
}
