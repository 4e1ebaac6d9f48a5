import Foundation
import SafeTensors
import Testing
import TestSupport
@testable import Diffusion

/// Every malformed-file case of issue 4, item 1: each must be an error naming the file (and the tensor when one is
/// at fault), never a crash or a huge allocation.
@Suite struct SafeTensorsValidationTests {
    let folder: TemporaryFolder

    init() throws { folder = try TemporaryFolder("safetensors") }

    /// Writes a file from a header text and data bytes; `length` overrides the header length field.
    func file(_ header: String, data: [UInt8] = [], length: UInt64? = nil, name: String = "bad.safetensors") -> String {
        var headerBytes = Array(header.utf8)
        return file(rawHeader: &headerBytes, data: data, length: length, name: name)
    }

    func file(rawHeader: inout [UInt8], data: [UInt8], length: UInt64? = nil, name: String = "bad.safetensors") -> String {
        var size = (length ?? UInt64(rawHeader.count)).littleEndian
        let bytes = withUnsafeBytes(of: &size) { Array($0) } + rawHeader + data
        let path = folder.url.appendingPathComponent(name).path
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return path
    }

    /// Opens `path`, expecting failure; returns the error for its message.
    func failure(_ path: String) -> SafeTensorsError? {
        do {
            _ = try SafeTensorsFile(path: path)
            Issue.record("\(path) opened without error")
            return nil
        } catch {
            #expect(error.path == path)
            #expect(error.description.hasPrefix(path))
            return error
        }
    }

    func entry(_ name: String, _ shape: String, _ begin: Int, _ end: Int, dtype: String = "F32") -> String {
        "\"\(name)\":{\"dtype\":\"\(dtype)\",\"shape\":\(shape),\"data_offsets\":[\(begin),\(end)]}"
    }

    @Test func fileShorterThanTheLengthField() {
        let path = folder.url.appendingPathComponent("short.safetensors").path
        _ = FileManager.default.createFile(atPath: path, contents: Data([1, 2, 3]))
        #expect(failure(path)?.message.contains("8-byte header length") == true)
        let empty = folder.url.appendingPathComponent("empty.safetensors").path
        _ = FileManager.default.createFile(atPath: empty, contents: Data())
        #expect(failure(empty) != nil)
    }

    @Test func headerLengthBeyondTheFile() {
        let path = file("{}", length: 4096)
        #expect(failure(path)?.message.contains("runs past the end of the file") == true)
        let huge = file("{}", length: UInt64.max)
        #expect(failure(huge)?.message.contains("limit") == true)
    }

    @Test func headerOver100MB() {
        let path = file("{}", length: 100_000_001)
        #expect(failure(path)?.message.contains("exceeds the 100000000-byte limit") == true)
    }

    @Test func headerNotUTF8() {
        var header = Array("{\"a".utf8) + [0xFF, 0xFE] + Array("\":{}}".utf8)
        let path = file(rawHeader: &header, data: [])
        #expect(failure(path)?.message.contains("not valid UTF-8") == true)
    }

    @Test func headerNotAnObject() {
        #expect(failure(file("[1, 2, 3]"))?.message.contains("does not start with '{'") == true)
        #expect(failure(file("\"text\""))?.message.contains("does not start with '{'") == true)
        #expect(failure(file("{\"a\": }"))?.message.contains("not valid JSON") == true)
        #expect(failure(file("{} trailing"))?.message.contains("not valid JSON") == true)
        #expect(failure(file("{\"t\": [1, 2]}"))?.tensor == "t")
    }

    @Test func deeplyNestedHeaderIsRejectedWithoutRecursingForever() {
        let header = "{\"t\":" + String(repeating: "[", count: 200_000) + String(repeating: "]", count: 200_000) + "}"
        #expect(failure(file(header))?.message.contains("nested deeper") == true)
    }

    @Test func overlappingOffsets() {
        let header = "{" + entry("a", "[2]", 0, 8) + "," + entry("b", "[2]", 4, 12) + "}"
        let error = failure(file(header, data: Array(repeating: 0, count: 12)))
        #expect(error?.tensor == "b")
        #expect(error?.message.contains("overlap tensor \"a\"") == true)
    }

    @Test func offsetsOutOfRange() {
        let header = "{" + entry("w", "[4]", 0, 16) + "}"
        let error = failure(file(header, data: Array(repeating: 0, count: 8)))
        #expect(error?.tensor == "w")
        #expect(error?.message.contains("run past the end of the data section (8 bytes)") == true)
    }

    @Test func offsetsNotCoveringTheData() {
        let gap = "{" + entry("a", "[1]", 0, 4) + "," + entry("b", "[1]", 8, 12) + "}"
        let gapError = failure(file(gap, data: Array(repeating: 0, count: 12)))
        #expect(gapError?.tensor == "b")
        #expect(gapError?.message.contains("4..<8") == true)

        let tail = "{" + entry("a", "[1]", 0, 4) + "}"
        let tailError = failure(file(tail, data: Array(repeating: 0, count: 8), name: "tail.safetensors"))
        #expect(tailError?.message.contains("4..<8 after the last tensor") == true)

        let start = "{" + entry("a", "[1]", 4, 8) + "}"
        #expect(failure(file(start, data: Array(repeating: 0, count: 8), name: "start.safetensors"))?.tensor == "a")

        let none = failure(file("{}", data: [1, 2, 3, 4], name: "none.safetensors"))
        #expect(none?.message.contains("lists no tensors") == true)
    }

    @Test func descendingOffsets() {
        let header = "{" + entry("a", "[0]", 4, 0) + "}"
        #expect(failure(file(header, data: Array(repeating: 0, count: 4)))?.message.contains("ascending") == true)
    }

    @Test func shapeTimesDTypeDiffersFromByteCount() {
        let header = "{" + entry("w", "[3]", 0, 8, dtype: "F16") + "}"
        let error = failure(file(header, data: Array(repeating: 0, count: 8)))
        #expect(error?.tensor == "w")
        #expect(error?.message.contains("needs 6 bytes but data_offsets [0, 8] hold 8") == true)
    }

    @Test func unknownDType() {
        let header = "{" + entry("w", "[1]", 0, 16, dtype: "F128") + "}"
        let error = failure(file(header, data: Array(repeating: 0, count: 16)))
        #expect(error?.tensor == "w")
        #expect(error?.message.contains("unknown dtype \"F128\"") == true)
    }

    @Test func duplicateNames() {
        let header = "{" + entry("w", "[1]", 0, 4) + "," + entry("w", "[1]", 4, 8) + "}"
        let error = failure(file(header, data: Array(repeating: 0, count: 8)))
        #expect(error?.message.contains("duplicate key \"w\"") == true)
    }

    @Test func negativeAndHugeDimensions() {
        let negative = "{" + entry("n", "[-1, 4]", 0, 0) + "}"
        #expect(failure(file(negative, name: "neg.safetensors"))?.message.contains("shape[0] is negative") == true)

        // Each dimension fits, the product does not: must not wrap around to a small byte count.
        let huge = "{" + entry("h", "[4294967296, 4294967296]", 0, 0) + "}"
        #expect(failure(file(huge, name: "huge.safetensors"))?.message.contains("more elements than memory") == true)
        let wraps = "{" + entry("b", "[2305843009213693952]", 0, 0) + "}"  // 2^61 × 4 bytes overflows Int
        #expect(failure(file(wraps, name: "wrap.safetensors"))?.message.contains("more bytes than memory") == true)
        let tooBig = "{" + entry("t", "[1e3]", 0, 4000) + "}"
        #expect(failure(file(tooBig, name: "frac.safetensors"))?.message.contains("not an integer") == true)
        let beyondInt64 = "{" + entry("t", "[99999999999999999999]", 0, 4) + "}"
        #expect(failure(file(beyondInt64, name: "big.safetensors"))?.message.contains("not an integer") == true)
    }

    @Test func malformedEntries() {
        #expect(failure(file("{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", data: [0, 0, 0, 0]))?
            .message.contains("no \"dtype\"") == true)
        #expect(failure(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", data: [0, 0, 0, 0],
                             name: "pair.safetensors"))?.message.contains("pair of integers") == true)
        #expect(failure(file("{\"__metadata__\":{\"format\":1}}", name: "meta.safetensors"))?
            .message.contains("__metadata__[\"format\"]") == true)
    }

    @Test func picklesAreRefusedWithTheConversionCommand() throws {
        for name in ["model.ckpt", "pytorch_model.bin", "weights.pt", "x.pth"] {
            let path = folder.url.appendingPathComponent(name).path
            _ = FileManager.default.createFile(atPath: path, contents: Data([0x80, 0x02, 0x7D, 0x71]))
            let error = failure(path)
            #expect(error?.message.contains("never loads pickles") == true)
            #expect(error?.message.contains("safe_serialization=True") == true)
        }
        // A pickle (zip form) under a safetensors name is recognised by its first bytes.
        let disguised = folder.url.appendingPathComponent("disguised.safetensors").path
        _ = FileManager.default.createFile(atPath: disguised, contents: Data([0x50, 0x4B, 0x03, 0x04] + Array(repeating: 0, count: 12)))
        #expect(failure(disguised)?.message.contains("never loads pickles") == true)
    }

    @Test func headerLengthThatStartsLikeAPickleIsStillSafetensors() throws {
        // A header of 0x0380 = 896 bytes: the file starts 0x80 0x03, the first bytes of a protocol-3 pickle.
        let json = #"{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#
        let header = Array(json.utf8) + Array(repeating: UInt8(ascii: " "), count: 896 - json.utf8.count)
        let value = withUnsafeBytes(of: Float(1.5).bitPattern.littleEndian) { Array($0) }
        let bytes = withUnsafeBytes(of: UInt64(896).littleEndian) { Array($0) } + header + value
        let path = folder.url.appendingPathComponent("pickle-like-length.safetensors").path
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        #expect(bytes.prefix(2) == [0x80, 0x03])
        #expect(try SafeTensorsFile(path: path).floats("x") == [1.5])
    }

    @Test func missingFileAndFolder() {
        #expect(failure(folder.url.appendingPathComponent("absent.safetensors").path)?.message.contains("cannot open") == true)
        #expect(failure(folder.url.path)?.message.contains("not a regular file") == true)
    }

    @Test func readingErrorsNameTheTensor() throws {
        var writer = SafeTensorsWriter()
        try writer.add("ids", shape: [2], integers: [1, 2])
        try writer.add("w", shape: [2], floats: [1, 2])
        let path = folder.url.appendingPathComponent("ok.safetensors").path
        try writer.write(to: path)
        let file = try SafeTensorsFile(path: path)
        #expect(throws: SafeTensorsError.self) { try file.floats("absent") }
        do { _ = try file.floats("ids"); Issue.record("I64 read as floats") } catch {
            #expect(error.tensor == "ids")
            #expect(error.description == "\(path): tensor \"ids\": dtype I64 is not a float type (floats come from F32, F16, BF16 or F64)")
        }
        do { _ = try file.integers("w"); Issue.record("F32 read as integers") } catch { #expect(error.tensor == "w") }
        var small = [Float](repeating: 0, count: 1)
        _ = small.withUnsafeMutableBufferPointer { buffer in
            #expect(throws: SafeTensorsError.self) { try file.copyFloats("w", into: buffer) }
        }
    }
}
