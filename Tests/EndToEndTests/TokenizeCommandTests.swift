import Foundation
import Testing

/// `dbrun tokenize`, run as a user runs it.
@Suite struct TokenizeCommandTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The built `dbrun`, next to the test executable (or above it, inside a macOS test bundle).
    static func dbrunBinary() throws -> URL {
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = folder.appendingPathComponent("dbrun")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            folder.deleteLastPathComponent()
        }
        throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "dbrun next to \(CommandLine.arguments[0])"])
    }

    static func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = try dbrunBinary()
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }

    @Test func printsPaddedIds() throws {
        let tokenizer = Self.repository.appendingPathComponent("models/clip-tokenizer").path
        let result = try Self.run(["tokenize", "--model", tokenizer, "a photo of a dog"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: [Int]]
        let ids = try #require(object?["input_ids"])
        #expect(ids.count == 77)
        #expect(Array(ids.prefix(7)) == [49406, 320, 1125, 539, 320, 1929, 49407])
        #expect(ids.dropFirst(7).allSatisfy { $0 == 49407 })
    }

    @Test func acceptsAModelFolder() throws {
        let model = FileManager.default.temporaryDirectory.appendingPathComponent("dbrun-model-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: model) }
        try FileManager.default.createDirectory(at: model, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Self.repository.appendingPathComponent("models/clip-tokenizer"),
                                         to: model.appendingPathComponent("tokenizer"))
        let result = try Self.run(["tokenize", "--model", model.path, "Hello!"])
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("{\"input_ids\": [49406, 3306, 256, 49407, 49407"))
    }

    @Test func missingTokenizerExitsWithTwoNamingTheFile() throws {
        let result = try Self.run(["tokenize", "--model", "/nonexistent/model", "x"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("/nonexistent/model/tokenizer/vocab.json"))
        #expect(result.stdout.isEmpty)
    }
}
