import Tensor
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A safetensors file, memory-mapped and validated on open.
///
/// Opening reads only the header; tensor bytes are paged in when a tensor is converted, so a 4 GB checkpoint costs
/// no memory until its weights are used. Every structural problem is found on open, so later reads cannot fail on a
/// malformed file — only on a wrong name or an unsupported conversion.
public final class SafeTensorsFile: @unchecked Sendable {  // immutable after init; the mapping is read-only
    /// The path as given, used in every error.
    public let path: String
    /// The `__metadata__` string map (empty when absent).
    public let metadata: [String: String]
    /// Every tensor, in the order of their data in the file.
    public let tensors: [SafeTensorInfo]
    private let indexByName: [String: Int]
    private let mapping: UnsafeMutableRawPointer?
    private let mappedSize: Int
    private let dataOffset: Int

    /// Extensions of PyTorch's pickle-based formats, which dbrun refuses to load.
    public static let pickleExtensions: Set<String> = ["ckpt", "bin", "pt", "pth", "pkl", "pickle"]

    /// Opens and validates `path`. Throws for pickle checkpoints with the command that converts them.
    public init(path: String) throws(SafeTensorsError) {
        self.path = path
        let ext = path.split(separator: "/").last.flatMap { $0.contains(".") ? $0.split(separator: ".").last : nil }
        if let ext, Self.pickleExtensions.contains(ext.lowercased()) { throw Self.pickleRefusal(path) }

        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SafeTensorsError(path: path, "cannot open: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw SafeTensorsError(path: path, "cannot stat: \(String(cString: strerror(errno)))")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw SafeTensorsError(path: path, "not a regular file") }
        let fileSize = Int(info.st_size)
        guard fileSize >= 8 else {
            throw SafeTensorsError(path: path,
                "file is \(fileSize) bytes; a safetensors file starts with an 8-byte header length")
        }
        guard let mapped = mmap(nil, fileSize, PROT_READ, MAP_PRIVATE, fd, 0), mapped != MAP_FAILED else {
            throw SafeTensorsError(path: path, "cannot map: \(String(cString: strerror(errno)))")
        }
        do throws(SafeTensorsError) {
            let raw = UnsafeRawBufferPointer(start: mapped, count: fileSize)
            if Self.looksLikePickle(raw) { throw Self.pickleRefusal(path) }
            let headerLength = UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self))
            guard headerLength <= UInt64(SafeTensorsHeader.maxHeaderBytes) else {
                throw SafeTensorsError(path: path,
                    "header length \(headerLength) exceeds the \(SafeTensorsHeader.maxHeaderBytes)-byte limit")
            }
            guard headerLength <= UInt64(fileSize - 8) else {
                throw SafeTensorsError(path: path,
                    "header length \(headerLength) runs past the end of the file (\(fileSize) bytes)")
            }
            let headerEnd = 8 + Int(headerLength)
            let header = try SafeTensorsHeader.parse(UnsafeRawBufferPointer(rebasing: raw[8..<headerEnd]),
                                                     dataSize: fileSize - headerEnd, path: path)
            metadata = header.metadata
            tensors = header.tensors
            dataOffset = headerEnd
        } catch {
            munmap(mapped, fileSize)
            throw error
        }
        mapping = mapped
        mappedSize = fileSize
        indexByName = Dictionary(uniqueKeysWithValues: tensors.enumerated().map { ($1.name, $0) })
    }

    deinit {
        if let mapping { munmap(mapping, mappedSize) }
    }

    /// The tensor names, in data order.
    public var names: [String] { tensors.map(\.name) }

    /// Whether the file holds a tensor called `name`.
    public func contains(_ name: String) -> Bool { indexByName[name] != nil }

    /// The header entry for `name`; an error naming the file and the tensor when absent.
    public func info(_ name: String) throws(SafeTensorsError) -> SafeTensorInfo {
        guard let index = indexByName[name] else {
            throw SafeTensorsError(path: path, tensor: name, "no such tensor in the file (\(tensors.count) tensors)")
        }
        return tensors[index]
    }

    /// Calls `body` with the tensor's raw little-endian bytes, straight from the mapping (no copy).
    public func withUnsafeBytes<R>(
        of name: String, _ body: (UnsafeRawBufferPointer) throws -> R
    ) throws -> R {
        let info = try info(name)
        let start = mapping.map { UnsafeRawPointer($0) + dataOffset + info.byteRange.lowerBound }
        return try body(UnsafeRawBufferPointer(start: start, count: info.byteRange.count))
    }

    /// The tensor's values converted to Float32 (from F32, F16, BF16 or F64), in row-major order.
    public func floats(_ name: String) throws(SafeTensorsError) -> [Float] {
        let info = try info(name)
        try checkFloatConversion(info, destinationCount: info.elementCount)
        return [Float](unsafeUninitializedCapacity: info.elementCount) { buffer, initialized in
            convertFloats(info, into: buffer)
            initialized = info.elementCount
        }
    }

    /// Converts the tensor into `destination`, whose count must equal the tensor's element count.
    public func copyFloats(_ name: String, into destination: UnsafeMutableBufferPointer<Float>) throws(SafeTensorsError) {
        let info = try info(name)
        try checkFloatConversion(info, destinationCount: destination.count)
        convertFloats(info, into: destination)
    }

    private func checkFloatConversion(_ info: SafeTensorInfo, destinationCount: Int) throws(SafeTensorsError) {
        guard info.dtype.convertsToFloat else {
            throw SafeTensorsError(path: path, tensor: info.name, "dtype \(info.dtype.rawValue) is not a float type "
                + "(floats come from F32, F16, BF16 or F64)")
        }
        guard destinationCount == info.elementCount else {
            throw SafeTensorsError(path: path, tensor: info.name,
                "holds \(info.elementCount) elements (shape \(info.shape)), destination holds \(destinationCount)")
        }
    }

    /// Converts a tensor already checked by `checkFloatConversion`.
    private func convertFloats(_ info: SafeTensorInfo, into destination: UnsafeMutableBufferPointer<Float>) {
        guard info.elementCount > 0, let base = mapping, let out = destination.baseAddress else { return }
        let source = UnsafeRawPointer(base) + dataOffset + info.byteRange.lowerBound
        let count = info.elementCount
        switch info.dtype {
        case .float32:
            UnsafeMutableRawPointer(out).copyMemory(from: source, byteCount: 4 * count)
        case .float16:
            HalfPrecision.convertFloat16ToFloat(source, count: count, into: out)
        case .bfloat16:
            HalfPrecision.convertBFloat16ToFloat(source, count: count, into: out)
        case .float64:
            for i in 0..<count {
                out[i] = Float(Double(bitPattern: UInt64(littleEndian: source.loadUnaligned(fromByteOffset: 8 * i,
                                                                                             as: UInt64.self))))
            }
        default:
            break  // excluded by convertsToFloat
        }
    }

    /// The tensor's values as Int (from I64, I32, I16, I8, U8 or BOOL), for token ids and labels.
    public func integers(_ name: String) throws(SafeTensorsError) -> [Int] {
        let info = try info(name)
        guard info.dtype.convertsToInteger else {
            throw SafeTensorsError(path: path, tensor: info.name, "dtype \(info.dtype.rawValue) is not an integer "
                + "type (integers come from I64, I32, I16, I8, U8 or BOOL)")
        }
        guard info.elementCount > 0, let base = mapping else { return [] }
        let source = UnsafeRawPointer(base) + dataOffset + info.byteRange.lowerBound
        let size = info.dtype.size
        return (0..<info.elementCount).map { i in
            let offset = i * size
            switch info.dtype {
            case .int64: return Int(Int64(littleEndian: source.loadUnaligned(fromByteOffset: offset, as: Int64.self)))
            case .int32: return Int(Int32(littleEndian: source.loadUnaligned(fromByteOffset: offset, as: Int32.self)))
            case .int16: return Int(Int16(littleEndian: source.loadUnaligned(fromByteOffset: offset, as: Int16.self)))
            case .int8: return Int(source.load(fromByteOffset: offset, as: Int8.self))
            default: return Int(source.load(fromByteOffset: offset, as: UInt8.self))  // U8, BOOL
            }
        }
    }

    // MARK: Pickles

    /// A zip archive (torch.save since 1.6) or a raw pickle stream (protocol 2–5). A safetensors file whose header
    /// length starts with the bytes 0x80 0x02…0x05 (e.g. 896 = 0x0380) has the same first two bytes, so a file whose
    /// header length fits and whose header opens with `{` is not taken for a pickle.
    private static func looksLikePickle(_ raw: UnsafeRawBufferPointer) -> Bool {
        if raw.count >= 4, raw[0] == 0x50, raw[1] == 0x4B, raw[2] == 0x03, raw[3] == 0x04 { return true }
        if raw.count >= 2, raw[0] == 0x80, (2...5).contains(raw[1]) {
            guard raw.count > 8 else { return true }
            let headerLength = UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self))
            return !(headerLength <= UInt64(raw.count - 8) && raw[8] == UInt8(ascii: "{"))
        }
        return false
    }

    public static func pickleRefusal(_ path: String) -> SafeTensorsError {
        SafeTensorsError(path: path, """
            this is a PyTorch pickle checkpoint; dbrun never loads pickles, because unpickling can run arbitrary code. \
            Convert it once to safetensors with Python, e.g. for a diffusers model folder: \
            python -c "from diffusers import DiffusionPipeline as P; P.from_pretrained('IN').save_pretrained('OUT', \
            safe_serialization=True)"; for a single .ckpt: python -c "from diffusers import StableDiffusionPipeline as P; \
            P.from_single_file('model.ckpt').save_pretrained('OUT', safe_serialization=True)"; for a transformers \
            model (e.g. a text encoder's pytorch_model.bin), the model class's \
            from_pretrained('IN').save_pretrained('OUT', safe_serialization=True)
            """)
    }
}
