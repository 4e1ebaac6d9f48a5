import Foundation
import SafeTensors

/// The weight files of one transformers model folder: `model.safetensors` (or `model.<variant>.safetensors`), or
/// the shards its `….safetensors.index.json` lists, with every tensor's file.
struct CheckpointWeights {
    /// Each tensor's file and header entry.
    let entries: [String: (file: SafeTensorsFile, info: SafeTensorInfo)]
    /// The single file, or the index: what errors about a missing or unexpected tensor name.
    let label: String

    init(folder: String, variant: String? = nil) throws {
        let url = URL(fileURLWithPath: folder)
        let name = variant.map { "model.\($0).safetensors" } ?? "model.safetensors"
        let single = url.appendingPathComponent(name).path
        let index = single + ".index.json"
        let manager = FileManager.default
        var files: [SafeTensorsFile]
        if manager.fileExists(atPath: single) {
            files = [try SafeTensorsFile(path: single)]
            label = single
        } else if manager.fileExists(atPath: index) {
            files = try Self.shards(index: index, folder: url).map { try SafeTensorsFile(path: $0) }
            label = index
        } else {
            throw Self.missing(single, folder: folder)
        }
        var entries: [String: (file: SafeTensorsFile, info: SafeTensorInfo)] = [:]
        for file in files {
            for info in file.tensors {
                if let other = entries[info.name] {
                    throw SafeTensorsError(path: file.path, tensor: info.name, "also in \(other.file.path)")
                }
                entries[info.name] = (file, info)
            }
        }
        self.entries = entries
    }

    /// The shard paths of an index's `weight_map`, each checked to exist inside `folder`.
    static func shards(index: String, folder: URL) throws -> [String] {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: index)))
        } catch {
            throw SafeTensorsError(path: index, "not readable JSON: \(error.localizedDescription)")
        }
        guard let map = (object as? [String: Any])?["weight_map"] as? [String: String], !map.isEmpty else {
            throw SafeTensorsError(path: index, "has no weight_map of tensor names to shard files")
        }
        return try Set(map.values).sorted().map { shard in
            guard !shard.contains("/"), shard.hasSuffix(".safetensors") else {
                throw SafeTensorsError(path: index, "weight_map names \"\(shard)\", not a .safetensors file in the folder")
            }
            let path = folder.appendingPathComponent(shard).path
            guard FileManager.default.fileExists(atPath: path) else {
                throw SafeTensorsError(path: path, "missing: \(index) lists it as a shard")
            }
            return path
        }
    }

    /// The error for a folder without weights: a pickle is named with how to convert it, other safetensors files
    /// (an unnamed variant) are listed.
    static func missing(_ path: String, folder: String) -> SafeTensorsError {
        let present = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        if let pickle = present.first(where: { $0 == "pytorch_model.bin" || $0.hasSuffix(".ckpt") }) {
            return SafeTensorsError(path: path, "missing; found \(pickle), a pickle dbrun never loads: convert it with "
                + "`Model.from_pretrained(folder).save_pretrained(folder, safe_serialization=True)`")
        }
        let others = present.filter { $0.hasSuffix(".safetensors") }.sorted()
        return SafeTensorsError(path: path, "missing" + (others.isEmpty ? "" : "; the folder has \(others.joined(separator: ", "))"
            + " (a variant such as model.fp16.safetensors is loaded by naming it)"))
    }
}
