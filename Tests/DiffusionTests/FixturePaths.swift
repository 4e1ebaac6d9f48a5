import Foundation

/// Paths of committed fixtures and shipped files, found from this source file so tests run from any folder.
enum FixturePaths {
    static let testsFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let repository = testsFolder.deletingLastPathComponent().deletingLastPathComponent()

    /// `Tests/DiffusionTests/Fixtures/<relative>`.
    static func fixture(_ relative: String) -> String {
        testsFolder.appendingPathComponent("Fixtures").appendingPathComponent(relative).path
    }

    /// The CLIP tokenizer shipped in the repository.
    static var clipTokenizer: String { repository.appendingPathComponent("models/clip-tokenizer").path }
}
