import Foundation
import SafeTensors
import Testing
import TestSupport
@testable import Diffusion

/// Reading files the Python package wrote, and writing files it writes byte for byte the same.
@Suite struct SafeTensorsRoundTripTests {
    struct Expected: Decodable {
        let dtype: String
        let shape: [Int]
        let values: [Double]
    }

    func expectations(_ name: String) throws -> [String: Expected] {
        let data = try Data(contentsOf: URL(fileURLWithPath: FixturePaths.fixture("safetensors/\(name).json")))
        return try JSONDecoder().decode([String: Expected].self, from: data)
    }

    @Test func readsEveryDTypeThePythonPackageWrote() throws {
        let file = try SafeTensorsFile(path: FixturePaths.fixture("safetensors/python_mixed.safetensors"))
        let expected = try expectations("python_mixed")
        #expect(file.metadata == ["format": "pt"])
        #expect(Set(file.names) == Set(expected.keys))
        for (name, want) in expected {
            let info = try file.info(name)
            #expect(info.shape == want.shape, "\(name)")
            if ["int64", "int32"].contains(want.dtype) {
                #expect(try file.integers(name) == want.values.map { Int($0) }, "\(name)")
            } else {
                #expect(try file.floats(name) == want.values.map { Float($0) }, "\(name)")
            }
        }
        #expect(try file.info("f16").dtype == .float16)
        #expect(try file.info("bf16").dtype == .bfloat16)
        #expect(try file.info("scalar").shape == [] && file.info("scalar").elementCount == 1)
        #expect(try file.floats("empty").isEmpty)
        #expect(try file.withUnsafeBytes(of: "i32") { Array($0) } == [7, 0, 0, 0, 0xF9, 0xFF, 0xFF, 0xFF])
    }

    @Test func writesTheBytesThePythonPackageWrites() throws {
        let expected = try expectations("python_f32_f16")
        var writer = SafeTensorsWriter(metadata: ["format": "pt"])
        // Added in an order unlike the file's, which sorts by dtype and then by name.
        for name in expected.keys.sorted().reversed() {
            let want = expected[name]!
            try writer.add(name, shape: want.shape, floats: want.values.map { Float($0) },
                           as: want.dtype == "float16" ? .float16 : .float32)
        }
        let python = try Data(contentsOf: URL(fileURLWithPath: FixturePaths.fixture("safetensors/python_f32_f16.safetensors")))
        #expect(writer.serialized() == Array(python))

        let empty = try Data(contentsOf: URL(fileURLWithPath: FixturePaths.fixture("safetensors/python_empty.safetensors")))
        #expect(SafeTensorsWriter().serialized() == Array(empty))
        #expect(try SafeTensorsFile(path: FixturePaths.fixture("safetensors/python_empty.safetensors")).tensors.isEmpty)
    }

    @Test func roundTripsThroughAFile() throws {
        let folder = try TemporaryFolder("safetensors")
        let path = folder.url.appendingPathComponent("model.safetensors").path
        let weights = (0..<300).map { Float($0) * 0.37 - 50 }
        var writer = SafeTensorsWriter(metadata: ["format": "pt", "note": "quote \" slash \\ tab \t é"])
        try writer.add("unet.conv_in.weight", shape: [3, 10, 10], floats: weights)
        try writer.add("half", shape: [300], floats: weights, as: .float16)
        try writer.add("brain", shape: [2, 150], floats: weights, as: .bfloat16)
        try writer.add("input_ids", shape: [1, 3], integers: [49406, 320, 49407])
        try writer.add("labels", shape: [2], integers: [-5, 1 << 20], as: .int32)
        try writer.add("scalar", shape: [], floats: [42])
        try writer.add("nothing", shape: [0, 7], floats: [])
        try writer.write(to: path)

        let file = try SafeTensorsFile(path: path)
        #expect(file.metadata == writer.metadata)
        #expect(try file.floats("unet.conv_in.weight") == weights)
        #expect(try file.info("unet.conv_in.weight").shape == [3, 10, 10])
        #expect(try file.floats("half") == weights.map { Float(Float16($0)) })
        for (got, want) in zip(try file.floats("brain"), weights) {
            #expect(abs(got - want) <= abs(want) / 256)
        }
        #expect(try file.integers("input_ids") == [49406, 320, 49407])
        #expect(try file.integers("labels") == [-5, 1 << 20])
        #expect(try file.floats("scalar") == [42])
        #expect(try file.floats("nothing").isEmpty)
        let onDisk = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(Array(onDisk) == writer.serialized())
        #expect(onDisk.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) } % 8 == 0)
        // Data starts 8-aligned, and each tensor at a multiple of its element size.
        for info in file.tensors { #expect(info.byteRange.lowerBound % info.dtype.size == 0) }
        #expect(!FileManager.default.fileExists(atPath: path + ".partial-\(getpid())"))
    }

    @Test func writerRejectsBadInput() throws {
        var writer = SafeTensorsWriter()
        try writer.add("w", shape: [2], floats: [1, 2])
        #expect(throws: SafeTensorsError.self) { try writer.add("w", shape: [1], floats: [1]) }
        #expect(throws: SafeTensorsError.self) { try writer.add("x", shape: [3], floats: [1, 2]) }
        #expect(throws: SafeTensorsError.self) { try writer.add("x", shape: [-1], floats: []) }
        #expect(throws: SafeTensorsError.self) { try writer.add("__metadata__", shape: [1], floats: [1]) }
        #expect(throws: SafeTensorsError.self) { try writer.add("x", shape: [1], floats: [1], as: .int64) }
        #expect(throws: SafeTensorsError.self) { try writer.add("x", shape: [1], integers: [1 << 40], as: .int32) }
        #expect(throws: SafeTensorsError.self) { try writer.write(to: "/nonexistent-folder/x.safetensors") }
    }
}

@Suite struct SafeTensorsLargeWriteTests {
    /// Tensors longer than the writer's conversion chunk (2¹⁸ elements) must come back whole and in order.
    @Test func tensorsSpanningSeveralChunksRoundTrip() throws {
        let folder = try TemporaryFolder("safetensors")
        let path = folder.url.appendingPathComponent("big.safetensors").path
        let n = 300_001
        let values = (0..<n).map { Float($0 % 2048) - 1024 }  // exact in F16 and F32
        var writer = SafeTensorsWriter()
        try writer.add("f32", shape: [n], floats: values)
        try writer.add("f16", shape: [n], floats: values, as: .float16)
        try writer.add("ids", shape: [n], integers: (0..<n).map { $0 })
        try writer.write(to: path)
        let file = try SafeTensorsFile(path: path)
        #expect(try file.floats("f32") == values)
        #expect(try file.floats("f16") == values)
        #expect(try file.integers("ids") == Array(0..<n))
    }
}
