import ArgumentParser
import Diffusion
import SafeTensors
import Tensor
import Foundation

/// `dbrun bench safetensors`: writing, opening and converting a file of F32, F16 and BF16 tensors, each set against
/// the raw operation on the same bytes in the same run (fwrite of a ready buffer, open + mmap, memcpy).
struct SafeTensorsBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "safetensors", abstract: "Measure safetensors writing, opening and conversion to Float32.")

    @Option(help: "Elements per tensor, in millions.")
    var millions = 16

    @Option(help: "Timed repetitions of each step (the best is kept).")
    var runs = 3

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func validate() throws {
        guard millions > 0, runs > 0 else { throw ValidationError("--millions and --runs must be positive") }
    }

    func run() throws {
        let n = millions * 1_000_000
        let folder = FileManager.default.temporaryDirectory.path
        let path = folder + "/dbrun-bench-\(getpid()).safetensors", raw = path + ".raw"
        defer { for p in [path, raw] { try? FileManager.default.removeItem(atPath: p) } }
        let values = (0..<n).map { Float($0 % 4096) * 0.001 - 2 }
        var writer = SafeTensorsWriter(metadata: ["format": "pt"])
        try writer.add("f32", shape: [n], floats: values)
        try writer.add("f16", shape: [n], floats: values, as: .float16)
        try writer.add("bf16", shape: [n], floats: values, as: .bfloat16)
        let bytes = Double(n * 8)

        let write = try bestSeconds(runs) { try writer.write(to: path) }
        let stored = [UInt8](repeating: 1, count: n * 8)
        let rawWrite = try bestSeconds(runs) { try Self.writeRaw(stored, to: raw) }
        var file: SafeTensorsFile?
        let open = try bestSeconds(runs) { file = try SafeTensorsFile(path: path) }
        let rawOpen = try bestSeconds(runs) { try Self.mapRaw(path) }
        var figures = [
            BenchFigure(name: "write (F32+F16+BF16)", value: bytes / write / 1e6, unit: "MB/s",
                        reference: ("fwrite", bytes / rawWrite / 1e6)),
            BenchFigure(name: "open (mmap + header)", value: open * 1000, unit: "ms",
                        reference: ("open+mmap", rawOpen * 1000), better: .lower),
        ]

        var out = [Float](repeating: 0, count: n)
        let copy = values.withUnsafeBytes { source in
            out.withUnsafeMutableBytes { target in bestSeconds(runs) { target.copyMemory(from: source) } }
        }
        for name in ["f32", "f16", "bf16"] {
            try out.withUnsafeMutableBufferPointer { try file!.copyFloats(name, into: $0) }  // page the data in
            let time = try bestSeconds(runs) { try out.withUnsafeMutableBufferPointer { try file!.copyFloats(name, into: $0) } }
            figures.append(BenchFigure(name: "\(name) to Float32", value: Double(n) / time / 1e6, unit: "M elements/s",
                                       reference: ("memcpy F32", Double(n) / copy / 1e6)))
        }
        var half = [UInt8](repeating: 0, count: 2 * n)
        let narrow = values.withUnsafeBufferPointer { source in
            half.withUnsafeMutableBytes { target in
                bestSeconds(runs) { HalfPrecision.convertFloatToFloat16(source.baseAddress!, count: n, into: target.baseAddress!) }
            }
        }
        figures.append(BenchFigure(name: "Float32 to F16", value: Double(n) / narrow / 1e6, unit: "M elements/s",
                                   reference: ("memcpy F32", Double(n) / copy / 1e6)))
        printFigures("safetensors", figures, json: json,
                     notes: json ? [] : ["\(millions)M elements per tensor, best of \(runs); ×: times as fast as the reference"])
    }

    /// The floor for writing: the same number of bytes, already laid out, through stdio, then renamed into place.
    private static func writeRaw(_ bytes: [UInt8], to path: String) throws {
        guard let file = fopen(path + ".partial", "wb") else { throw ValidationError("cannot create \(path)") }
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        guard fclose(file) == 0, written == bytes.count, rename(path + ".partial", path) == 0 else {
            throw ValidationError("cannot write \(path)")
        }
    }

    /// The floor for opening: open, fstat, mmap and touch the first page, without reading the header.
    private static func mapRaw(_ path: String) throws {
        let fd = Foundation.open(path, O_RDONLY)
        guard fd >= 0 else { throw ValidationError("cannot open \(path)") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, let base = mmap(nil, Int(info.st_size), PROT_READ, MAP_PRIVATE, fd, 0),
              base != MAP_FAILED else { throw ValidationError("cannot map \(path)") }
        _ = base.load(as: UInt8.self)
        munmap(base, Int(info.st_size))
    }
}
