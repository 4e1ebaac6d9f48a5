import Tensor
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Collects named tensors and writes them as a safetensors file the Python package writes byte for byte the same.
///
/// Layout as `safetensors.serialize` does it: tensors ordered by dtype (wider first, in the crate's dtype order) then
/// by name, the header compact JSON with `__metadata__` first, padded with spaces to a multiple of 8 bytes. Python
/// writes metadata keys in hash-map order, which varies between runs; we sort them, so a file with two or more
/// metadata keys matches Python's bytes only up to that order.
public struct SafeTensorsWriter {
    /// Values to store: Float32 data narrowed to the chosen dtype, or integers.
    enum Payload {
        case floats([Float])
        case integers([Int64])
    }

    struct Entry {
        var name: String
        var shape: [Int]
        var dtype: SafeTensorsDType
        var payload: Payload
    }

    private var entries: [Entry] = []
    private var names: Set<String> = []
    /// The `__metadata__` map; diffusers and transformers write `["format": "pt"]`.
    public var metadata: [String: String]

    public init(metadata: [String: String] = [:]) {
        self.metadata = metadata
    }

    /// Adds a float tensor stored as F32, F16 or BF16. `values` must hold the product of `shape` elements.
    public mutating func add(
        _ name: String, shape: [Int], floats values: [Float], as dtype: SafeTensorsDType = .float32
    ) throws(SafeTensorsError) {
        guard [.float32, .float16, .bfloat16].contains(dtype) else {
            throw SafeTensorsError(path: "<writer>", tensor: name, "cannot store floats as \(dtype.rawValue)")
        }
        try check(name, shape: shape, count: values.count)
        entries.append(Entry(name: name, shape: shape, dtype: dtype, payload: .floats(values)))
    }

    /// Adds an integer tensor stored as I64 or I32 (token ids, class labels).
    public mutating func add(
        _ name: String, shape: [Int], integers values: [Int], as dtype: SafeTensorsDType = .int64
    ) throws(SafeTensorsError) {
        guard [.int64, .int32].contains(dtype) else {
            throw SafeTensorsError(path: "<writer>", tensor: name, "cannot store integers as \(dtype.rawValue)")
        }
        if dtype == .int32, let bad = values.first(where: { Int32(exactly: $0) == nil }) {
            throw SafeTensorsError(path: "<writer>", tensor: name, "value \(bad) does not fit in I32")
        }
        try check(name, shape: shape, count: values.count)
        entries.append(Entry(name: name, shape: shape, dtype: dtype, payload: .integers(values.map { Int64($0) })))
    }

    private mutating func check(_ name: String, shape: [Int], count: Int) throws(SafeTensorsError) {
        func fail(_ message: String) -> SafeTensorsError { SafeTensorsError(path: "<writer>", tensor: name, message) }
        guard name != "__metadata__" else { throw fail("the name __metadata__ is reserved by the format") }
        guard !names.contains(name) else { throw fail("added twice") }
        var product = 1
        for dim in shape {
            guard dim >= 0 else { throw fail("shape \(shape) has a negative dimension") }
            let (next, overflow) = product.multipliedReportingOverflow(by: dim)
            guard !overflow else { throw fail("shape \(shape) is too large") }
            product = next
        }
        guard product == count else { throw fail("shape \(shape) needs \(product) values, got \(count)") }
        names.insert(name)
    }

    /// The crate's `Dtype` enum order, largest first: serialization sorts by it (descending) before the name.
    private static func orderRank(_ dtype: SafeTensorsDType) -> Int {
        let ascending: [SafeTensorsDType] = [.bool, .uint8, .int8, .float8E5M2, .float8E4M3, .int16, .uint16,
                                             .float16, .bfloat16, .int32, .uint32, .float32, .float64, .int64, .uint64]
        return ascending.firstIndex(of: dtype)!
    }

    /// Entries in file order, each with its byte range in the data section.
    private func layout() -> [(entry: Entry, range: Range<Int>)] {
        let sorted = entries.sorted { a, b in
            let (ra, rb) = (Self.orderRank(a.dtype), Self.orderRank(b.dtype))
            if ra != rb { return ra > rb }
            return Array(a.name.utf8).lexicographicallyPrecedes(b.name.utf8)  // Rust compares names bytewise
        }
        var offset = 0
        return sorted.map { entry in
            let count = entry.shape.reduce(1, *) * entry.dtype.size
            defer { offset += count }
            return (entry, offset..<offset + count)
        }
    }

    /// The 8-byte length followed by the padded JSON header.
    func headerBytes(_ layout: [(entry: Entry, range: Range<Int>)]) -> [UInt8] {
        var parts: [String] = []
        if !metadata.isEmpty {
            let items = metadata.keys.sorted { Array($0.utf8).lexicographicallyPrecedes($1.utf8) }.map {
                CompactJSONWriter.quoted($0) + ":" + CompactJSONWriter.quoted(metadata[$0]!)
            }
            parts.append("\"__metadata__\":{" + items.joined(separator: ",") + "}")
        }
        for (entry, range) in layout {
            let shape = entry.shape.map(String.init).joined(separator: ",")
            parts.append(CompactJSONWriter.quoted(entry.name) + ":{\"dtype\":\"\(entry.dtype.rawValue)\",\"shape\":["
                + shape + "],\"data_offsets\":[\(range.lowerBound),\(range.upperBound)]}")
        }
        var json = Array(("{" + parts.joined(separator: ",") + "}").utf8)
        json += [UInt8](repeating: UInt8(ascii: " "), count: (8 - json.count % 8) % 8)
        var length = UInt64(json.count).littleEndian
        return withUnsafeBytes(of: &length) { Array($0) } + json
    }

    /// The whole file in memory (small files and tests; `write(to:)` streams instead).
    public func serialized() -> [UInt8] {
        let layout = layout()
        var bytes = headerBytes(layout)
        for (entry, _) in layout { Self.forEachChunk(of: entry) { bytes.append(contentsOf: $0) } }
        return bytes
    }

    /// Writes the file atomically: to a temporary name in the same folder, then renamed over `path`. Tensors are
    /// converted a chunk at a time, so writing needs no second copy of the weights.
    public func write(to path: String) throws(SafeTensorsError) {
        let layout = layout()
        let temporary = path + ".partial-\(getpid())"
        guard let file = fopen(temporary, "wb") else {
            throw SafeTensorsError(path: path, "cannot create: \(String(cString: strerror(errno)))")
        }
        var ok = true
        let header = headerBytes(layout)
        ok = fwrite(header, 1, header.count, file) == header.count
        for (entry, _) in layout where ok {
            Self.forEachChunk(of: entry) { chunk in
                if ok, let base = chunk.baseAddress { ok = fwrite(base, 1, chunk.count, file) == chunk.count }
            }
        }
        let error = String(cString: strerror(errno))
        ok = fclose(file) == 0 && ok
        guard ok, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw SafeTensorsError(path: path, "cannot write: \(error)")
        }
    }

    /// Calls `body` with the entry's bytes as stored, in order, at most `chunkElements` elements at a time.
    private static func forEachChunk(of entry: Entry, _ body: (UnsafeRawBufferPointer) -> Void) {
        let chunkElements = 1 << 18
        let size = entry.dtype.size
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkElements * size, alignment: 16)
        defer { buffer.deallocate() }
        let out = buffer.baseAddress!
        switch entry.payload {
        case .floats(let values):
            values.withUnsafeBufferPointer { all in
                for start in stride(from: 0, to: all.count, by: chunkElements) {
                    let count = min(chunkElements, all.count - start)
                    let source = all.baseAddress! + start
                    switch entry.dtype {
                    case .float16: HalfPrecision.convertFloatToFloat16(source, count: count, into: out)
                    case .bfloat16: HalfPrecision.convertFloatToBFloat16(source, count: count, into: out)
                    default:
                        for i in 0..<count {
                            out.storeBytes(of: source[i].bitPattern.littleEndian, toByteOffset: 4 * i, as: UInt32.self)
                        }
                    }
                    body(UnsafeRawBufferPointer(start: out, count: count * size))
                }
            }
        case .integers(let values):
            for start in stride(from: 0, to: values.count, by: chunkElements) {
                let count = min(chunkElements, values.count - start)
                for i in 0..<count {
                    let v = values[start + i]
                    if entry.dtype == .int32 {
                        out.storeBytes(of: Int32(v).littleEndian, toByteOffset: 4 * i, as: Int32.self)
                    } else {
                        out.storeBytes(of: v.littleEndian, toByteOffset: 8 * i, as: Int64.self)
                    }
                }
                body(UnsafeRawBufferPointer(start: out, count: count * size))
            }
        }
    }
}
