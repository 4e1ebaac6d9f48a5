import Foundation
import SafeTensors
import Testing
import TestSupport
@testable import Diffusion

/// Sharded archives, component weight discovery and the strict name/shape check.
@Suite struct SafeTensorsArchiveTests {
    let folder: TemporaryFolder

    init() throws { folder = try TemporaryFolder("archive") }

    func write(_ name: String, _ tensors: [(String, [Int])]) throws {
        var writer = SafeTensorsWriter(metadata: ["format": "pt"])
        for (tensor, shape) in tensors {
            try writer.add(tensor, shape: shape, floats: [Float](repeating: 1.5, count: shape.reduce(1, *)), as: .float16)
        }
        try writer.write(to: folder.url.appendingPathComponent(name).path)
    }

    func writeIndex(_ name: String, _ map: [String: String]) throws {
        let entries = map.keys.sorted().map { "\"\($0)\": \"\(map[$0]!)\"" }.joined(separator: ", ")
        try "{\"metadata\": {\"total_size\": 0}, \"weight_map\": {\(entries)}}"
            .write(to: folder.url.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    @Test func shardedArchiveReadsAcrossShards() throws {
        try write("model-00001-of-00002.safetensors", [("a.weight", [2, 3])])
        try write("model-00002-of-00002.safetensors", [("b.weight", [4]), ("b.bias", [])])
        try writeIndex("model.safetensors.index.json", ["a.weight": "model-00001-of-00002.safetensors",
                                                        "b.weight": "model-00002-of-00002.safetensors",
                                                        "b.bias": "model-00002-of-00002.safetensors"])
        let archive = try ComponentWeights.open(in: folder.url.path)
        #expect(archive.path.hasSuffix("model.safetensors.index.json"))
        #expect(archive.names == ["a.weight", "b.bias", "b.weight"])
        #expect(try archive.floats("b.weight") == [1.5, 1.5, 1.5, 1.5])
        #expect(try archive.info("a.weight").shape == [2, 3])
        try archive.checkExactly(["a.weight": [2, 3], "b.weight": [4], "b.bias": []])
    }

    @Test func indexAndShardsMustAgree() throws {
        try write("s1.safetensors", [("a", [1]), ("stray", [1])])
        try writeIndex("bad.safetensors.index.json", ["a": "s1.safetensors"])
        do { _ = try SafeTensorsArchive(path: folder.url.appendingPathComponent("bad.safetensors.index.json").path); Issue.record("stray") } catch {
            #expect(error.tensor == "stray")
            #expect(error.message.contains("the index does not list it"))
        }
        try writeIndex("missing.safetensors.index.json", ["a": "s1.safetensors", "stray": "s1.safetensors", "ghost": "s1.safetensors"])
        do { _ = try SafeTensorsArchive(path: folder.url.appendingPathComponent("missing.safetensors.index.json").path); Issue.record("ghost") } catch {
            #expect(error.tensor == "ghost")
        }
        try writeIndex("escape.safetensors.index.json", ["a": "../s1.safetensors"])
        #expect(throws: SafeTensorsError.self) {
            try SafeTensorsArchive(path: folder.url.appendingPathComponent("escape.safetensors.index.json").path)
        }
        try "{}".write(to: folder.url.appendingPathComponent("empty.safetensors.index.json"), atomically: true, encoding: .utf8)
        #expect(throws: SafeTensorsError.self) {
            try SafeTensorsArchive(path: folder.url.appendingPathComponent("empty.safetensors.index.json").path)
        }
    }

    @Test func locatesDiffusersAndTransformersNamesAndVariants() throws {
        try write("diffusion_pytorch_model.fp16.safetensors", [("x", [1])])
        do { _ = try ComponentWeights.locate(in: folder.url.path); Issue.record("found without variant") } catch {
            #expect(error.message.contains("found diffusion_pytorch_model.fp16.safetensors"))
            #expect(error.message.contains("diffusion_pytorch_model.safetensors, diffusion_pytorch_model.safetensors.index.json"))
        }
        #expect(try ComponentWeights.locate(in: folder.url.path, variant: "fp16").hasSuffix("diffusion_pytorch_model.fp16.safetensors"))
        try write("model.safetensors", [("y", [1])])
        #expect(try ComponentWeights.locate(in: folder.url.path).hasSuffix("/model.safetensors"))
    }

    @Test func pickleOnlyFolderIsRefusedWithTheConversion() throws {
        _ = FileManager.default.createFile(atPath: folder.url.appendingPathComponent("pytorch_model.bin").path, contents: Data([0x80, 2]))
        do { _ = try ComponentWeights.locate(in: folder.url.path); Issue.record("pickle located") } catch {
            #expect(error.path.hasSuffix("pytorch_model.bin"))
            #expect(error.message.contains("save_pretrained('OUT', safe_serialization=True)"))
        }
    }

    @Test func strictCheckReportsEveryMismatchAtOnce() throws {
        try write("w.safetensors", [("conv.weight", [8, 4, 3, 3]), ("conv.bias", [8]), ("extra.weight", [2])])
        var writer = SafeTensorsWriter()
        try writer.add("ids", shape: [1], integers: [3])
        try writer.write(to: folder.url.appendingPathComponent("ids.safetensors").path)
        let archive = try SafeTensorsArchive(path: folder.url.appendingPathComponent("w.safetensors").path)
        do {
            try archive.checkExactly(["conv.weight": [8, 4, 1, 1], "conv.bias": [8], "norm.weight": [8]])
            Issue.record("mismatch accepted")
        } catch {
            #expect(error.missing == ["norm.weight"])
            #expect(error.unexpected == ["extra.weight"])
            #expect(error.misshapen.map(\.name) == ["conv.weight"])
            #expect(error.description.hasSuffix(
                "w.safetensors: weights do not match the model: 1 missing: norm.weight; 1 unexpected: extra.weight; "
                + "1 misshapen: conv.weight is [8, 4, 3, 3], expected [8, 4, 1, 1]"))
        }
        let ids = try SafeTensorsArchive(path: folder.url.appendingPathComponent("ids.safetensors").path)
        do { try ids.checkExactly(["ids": [1]]); Issue.record("I64 accepted as weights") } catch {
            #expect(error.notFloat.map(\.name) == ["ids"])
        }
    }
}
