// Parsing and validating a safetensors header: everything that must hold before a byte of tensor data is touched.

/// One tensor as the header describes it, after validation.
public struct SafeTensorInfo: Sendable, Equatable {
    public let name: String
    public let dtype: SafeTensorsDType
    public let shape: [Int]
    /// Byte range inside the data section (which starts right after the header).
    public let byteRange: Range<Int>
    /// The product of `shape` (1 for a scalar, whose shape is `[]`).
    public let elementCount: Int
}

/// The validated contents of a header: metadata and tensors, tensors in data order.
struct SafeTensorsHeader {
    /// The largest header accepted, as the Python package limits it: a bigger one is hostile or broken.
    static let maxHeaderBytes = 100_000_000

    var metadata: [String: String]
    var tensors: [SafeTensorInfo]

    /// Parses `header` (the JSON bytes) for a file whose data section holds `dataSize` bytes.
    static func parse(_ header: UnsafeRawBufferPointer, dataSize: Int, path: String) throws(SafeTensorsError) -> Self {
        let bytes = header.bindMemory(to: UInt8.self)
        guard bytes.first == UInt8(ascii: "{") else {
            throw SafeTensorsError(path: path, "header does not start with '{': not a safetensors file")
        }
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw SafeTensorsError(path: path, "header is not valid UTF-8")
        }
        let root: JSONValue
        do {
            root = try StrictJSONParser.parse(bytes)
        } catch {
            throw SafeTensorsError(path: path, "header is not valid JSON: \(error)")
        }
        guard case .object(let members) = root else {
            throw SafeTensorsError(path: path, "header is \(root.kindName), not a JSON object")
        }

        var metadata: [String: String] = [:]
        var tensors: [SafeTensorInfo] = []
        tensors.reserveCapacity(members.count)
        for member in members {
            let (name, value) = (member.key, member.value)
            if name == "__metadata__" {
                metadata = try parseMetadata(value, path: path)
            } else {
                tensors.append(try parseTensor(name, value, dataSize: dataSize, path: path))
            }
        }
        tensors.sort { ($0.byteRange.lowerBound, $0.byteRange.upperBound) < ($1.byteRange.lowerBound, $1.byteRange.upperBound) }
        try checkCoverage(tensors, dataSize: dataSize, path: path)
        return Self(metadata: metadata, tensors: tensors)
    }

    private static func parseMetadata(_ value: JSONValue, path: String) throws(SafeTensorsError) -> [String: String] {
        guard case .object(let members) = value else {
            throw SafeTensorsError(path: path, "__metadata__ is \(value.kindName), not an object of strings")
        }
        var metadata: [String: String] = [:]
        for member in members {
            let (key, item) = (member.key, member.value)
            guard case .string(let text) = item else {
                throw SafeTensorsError(path: path, "__metadata__[\"\(key)\"] is \(item.kindName), not a string")
            }
            metadata[key] = text
        }
        return metadata
    }

    private static func parseTensor(
        _ name: String, _ value: JSONValue, dataSize: Int, path: String
    ) throws(SafeTensorsError) -> SafeTensorInfo {
        func fail(_ message: String) -> SafeTensorsError { SafeTensorsError(path: path, tensor: name, message) }
        guard case .object(let fields) = value else { throw fail("entry is \(value.kindName), not an object") }
        func field(_ key: String) throws(SafeTensorsError) -> JSONValue {
            guard let found = fields.first(where: { $0.key == key }) else { throw fail("entry has no \"\(key)\"") }
            return found.value
        }

        guard case .string(let dtypeName) = try field("dtype") else { throw fail("\"dtype\" is not a string") }
        guard let dtype = SafeTensorsDType(rawValue: dtypeName) else {
            let known = SafeTensorsDType.allCases.map(\.rawValue).joined(separator: ", ")
            throw fail("unknown dtype \"\(dtypeName)\" (known: \(known))")
        }

        guard case .array(let dims) = try field("shape") else { throw fail("\"shape\" is not an array") }
        var shape: [Int] = []
        var elementCount = 1
        for (axis, dim) in dims.enumerated() {
            guard case .integer(let d) = dim else { throw fail("shape[\(axis)] is \(dim.kindName), not an integer") }
            guard d >= 0 else { throw fail("shape[\(axis)] is negative: \(d)") }
            let (product, overflow) = elementCount.multipliedReportingOverflow(by: Int(d))
            guard !overflow else { throw fail("shape \(describe(dims)) has more elements than memory can address") }
            shape.append(Int(d))
            elementCount = product
        }
        let (byteCount, overflow) = elementCount.multipliedReportingOverflow(by: dtype.size)
        guard !overflow else { throw fail("shape \(describe(dims)) has more bytes than memory can address") }

        guard case .array(let offsets) = try field("data_offsets"), offsets.count == 2,
              case .integer(let begin) = offsets[0], case .integer(let end) = offsets[1]
        else { throw fail("\"data_offsets\" is not a pair of integers") }
        guard begin >= 0, begin <= end else { throw fail("data_offsets [\(begin), \(end)] are not an ascending pair") }
        guard end <= dataSize else {
            throw fail("data_offsets [\(begin), \(end)] run past the end of the data section (\(dataSize) bytes)")
        }
        guard end - begin == Int64(byteCount) else {
            throw fail("shape \(shape) of \(dtypeName) needs \(byteCount) bytes but data_offsets [\(begin), \(end)] "
                + "hold \(end - begin)")
        }
        return SafeTensorInfo(name: name, dtype: dtype, shape: shape, byteRange: Int(begin)..<Int(end),
                              elementCount: elementCount)
    }

    /// The Python package requires the tensors to tile the data section exactly: no overlap, no gap, no tail.
    private static func checkCoverage(_ sorted: [SafeTensorInfo], dataSize: Int, path: String) throws(SafeTensorsError) {
        var covered = 0
        var previous: SafeTensorInfo?
        for info in sorted {
            if info.byteRange.lowerBound < covered, let previous {
                throw SafeTensorsError(path: path, tensor: info.name,
                    "data bytes \(info.byteRange) overlap tensor \"\(previous.name)\" (\(previous.byteRange))")
            }
            if info.byteRange.lowerBound > covered {
                throw SafeTensorsError(path: path, tensor: info.name,
                    "data bytes \(covered)..<\(info.byteRange.lowerBound) before this tensor belong to no tensor")
            }
            covered = info.byteRange.upperBound
            if !info.byteRange.isEmpty { previous = info }
        }
        if covered != dataSize {
            if sorted.isEmpty {
                throw SafeTensorsError(path: path, "data section holds \(dataSize) bytes but the header lists no tensors")
            }
            throw SafeTensorsError(path: path, tensor: previous?.name,
                "data bytes \(covered)..<\(dataSize) after the last tensor belong to no tensor")
        }
    }

    private static func describe(_ dims: [JSONValue]) -> String {
        var parts: [String] = []
        for dim in dims {
            if case .integer(let d) = dim { parts.append(String(d)) } else { parts.append("?") }
        }
        return "[" + parts.joined(separator: ", ") + "]"
    }
}
