import Foundation
import Testing

/// The committed fixtures made by `scripts/reference/imaging_fixtures.py`, found next to this file.
enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    static func bytes(_ relative: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: root.appendingPathComponent(relative))) }

    /// Little-endian float32 samples.
    static func floats(_ relative: String) throws -> [Float] {
        let data = try Data(contentsOf: root.appendingPathComponent(relative))
        return data.withUnsafeBytes { raw in
            (0..<data.count / 4).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
    }

    struct DecodeCase: Decodable, CustomTestStringConvertible, Sendable {
        let name, file, reference, format, colorType: String
        let width, height, bitDepth, orientation: Int
        let hasAlpha, interlaced: Bool
        let tolerance: Float
        var testDescription: String { name }
    }

    struct BadCase: Decodable, CustomTestStringConvertible, Sendable {
        let file, kind: String
        var testDescription: String { file }
    }

    struct ResizeCase: Decodable, CustomTestStringConvertible, Sendable {
        let filter, file: String
        let width, height: Int
        var testDescription: String { "\(filter) \(width)×\(height)" }
    }

    struct TrainingCase: Decodable {
        let size: Int
        let file: String
    }

    struct Manifest: Decodable {
        let decode: [DecodeCase]
        let bad: [BadCase]
        let resize: [ResizeCase]
        let training: [TrainingCase]
    }

    static let manifest: Manifest = {
        let data = try! Data(contentsOf: root.appendingPathComponent("manifest.json"))
        return try! JSONDecoder().decode(Manifest.self, from: data)
    }()
}
