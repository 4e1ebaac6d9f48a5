import Foundation
import SafeTensors
import Tensor
@testable import Diffusion

/// One parity case written by `scripts/reference/fixtures_clip.py`: a transformers folder and its `io.safetensors`
/// of inputs and reference outputs.
struct ParityCase {
    let folder: String
    let io: SafeTensorsFile

    /// `Fixtures/<relative>` (e.g. `clip/text_quick_gelu`).
    init(_ relative: String) throws { try self.init(absolute: FixturePaths.fixture(relative)) }

    /// A case outside the committed fixtures (the real-size check).
    init(absolute folder: String) throws {
        self.folder = folder
        io = try SafeTensorsFile(path: folder + "/io.safetensors")
    }

    func tensor(_ name: String) throws -> Tensor { try io.tensor(name) }

    /// An int64 `[N, T]` tensor as rows.
    func rows(_ name: String) throws -> [[Int]] {
        let shape = try io.info(name).shape
        let flat = try io.integers(name)
        return (0..<shape[0]).map { Array(flat[($0 * shape[1])..<(($0 + 1) * shape[1])]) }
    }
}

/// max |a − b| over max |b|: the tolerance measure (1e-4 of the output's largest magnitude); infinite when
/// the shapes differ.
func relativeError(_ actual: Tensor, _ expected: Tensor) -> Float {
    guard actual.shape == expected.shape else { return .infinity }
    let a = actual.scalars, b = expected.scalars
    let scale = b.map(abs).max() ?? 0
    let diff = zip(a, b).map { abs($0 - $1) }.max() ?? 0
    return diff / max(scale, 1e-12)
}
