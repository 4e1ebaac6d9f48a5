import DreamBooth
import Diffusion
import Foundation
import Imaging
import Pipeline
import SafeTensors

/// The inputs dbrun takes from strangers, each as one function of raw bytes: the libFuzzer driver (`dbrun-fuzz`)
/// calls them, and the regression tests replay every input the fuzzers ever crashed on through the same code.
/// A target may reject an input (that is the point); it must not crash, hang or allocate without bound.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// A pipeline file through `dbrun validate`'s path: YAML, schema, kinds, references, DAG.
    case yaml
    /// A safetensors file opened as a model's weights, and every small tensor converted to Float32 or Int.
    case safetensors
    /// Bytes given to the image decoder as a PNG, and as a JPEG (with the training path's decode-and-resize).
    case png, jpeg

    /// Largest input worth generating: pipeline files are small; images and weights need room for structure.
    public var maxLength: Int { self == .yaml ? 65_536 : 262_144 }

    /// What became of an input: accepted, or rejected with the error a user would see.
    public enum Outcome: Equatable, Sendable {
        case accepted
        case rejected(String)
    }

    @discardableResult
    public func run(_ data: Data) -> Outcome {
        do {
            switch self {
            case .yaml:
                try withScratchFile(data, suffix: ".yaml") { path in
                    _ = try PipelineLoader.load(file: path, kinds: DreamBoothKinds.registry)
                }
            case .safetensors:
                try withScratchFile(data, suffix: ".safetensors") { path in
                    let file = try SafeTensorsFile(path: path)
                    for info in file.tensors where info.elementCount <= 1 << 20 {
                        if info.dtype.convertsToFloat { _ = try file.floats(info.name) }
                        if info.dtype.convertsToInteger { _ = try file.integers(info.name) }
                    }
                }
            case .png, .jpeg:
                // The first bytes pick the decoder, so each target forces its own signature and fuzzes what follows.
                let signature: [UInt8] = self == .png ? [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] : [0xFF, 0xD8, 0xFF]
                let bytes = data.starts(with: signature) ? data : Data(signature) + data
                let limits = DecodeLimits(maxPixels: 4_000_000, maxDimension: 8192, maxFileBytes: 1 << 20)
                _ = try ImageDecoder.decode(bytes, limits: limits)
                _ = try ImageDecoder.decode(bytes, shortSide: 16, limits: limits)
            }
            return .accepted
        } catch {
            return .rejected("\(error)")
        }
    }

    /// Loaders that take a path get one: in memory (/dev/shm) where there is one, so a run stays off the disk.
    private func withScratchFile(_ data: Data, suffix: String, _ body: (String) throws -> Void) throws {
        let folder = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        let path = folder + "/dbrun-fuzz-\(getpid())-\(UUID().uuidString)" + suffix
        guard FileManager.default.createFile(atPath: path, contents: data) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
        defer { unlink(path) }
        try body(path)
    }
}
