import Foundation
import Tensor

/// A tensor as the fixture script writes it.
struct FixtureTensor: Decodable, Sendable {
    let shape: [Int]
    let data: [Float]
    var tensor: Tensor { Tensor(shape: shape, scalars: data) }
}

/// One op case from `scripts/reference/engine_fixtures.py`: inputs, PyTorch's output, and PyTorch's input
/// gradients for the upstream gradient `upstream`.
struct OpCase: Decodable {
    let name: String
    let inputs: [FixtureTensor]
    let output: FixtureTensor
    let upstream: FixtureTensor
    let grads: [FixtureTensor]
    let params: Params

    struct Params: Decodable, Sendable {
        var ta: Bool?
        var tb: Bool?
        var stride: Int?
        var padding: Int?
        var groups: Int?
        var causal: Bool?
        var mask: FixtureTensor?
        var ids: [Int]?
        var targets: [Int]?
    }
}

enum Fixtures {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    static func load<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(contentsOf: folder.appendingPathComponent(name)))
    }

    struct OpFile: Decodable { let cases: [OpCase] }

    nonisolated(unsafe) static var cachedOps: [String: OpCase]? // Written once under the lock below.
    static let lock = NSLock()

    /// The op cases by name (parsed once per test process).
    static func ops() throws -> [String: OpCase] {
        lock.lock()
        defer { lock.unlock() }
        if let cachedOps { return cachedOps }
        let file = try load("ops.json", as: OpFile.self)
        let byName = Dictionary(uniqueKeysWithValues: file.cases.map { ($0.name, $0) })
        cachedOps = byName
        return byName
    }
}
