import Foundation
import Tensor

/// Reading and writing transformers model folders (`config.json` + `model.safetensors`), and the one name mapping
/// dbrun applies to their checkpoints.
///
/// The mapping: transformers 4 (and so every Stable Diffusion `text_encoder` on the Hub) nests `CLIPTextModel`'s
/// weights under `text_model.` and `CLIPVisionModel`'s under `vision_model.`; transformers 5 writes the same
/// weights without that wrapper. dbrun's module trees mirror the transformers 4 names, which both versions load,
/// and a file whose names all lack the wrapper gets it added before the strict load. Nothing else is renamed.
enum TransformersCheckpoint {
    /// `model.safetensors` in `folder`; a pickle checkpoint or a sharded one is refused with what to do instead.
    static func weightsPath(in folder: String) throws(SafeTensorsError) -> String {
        let url = URL(fileURLWithPath: folder)
        let path = url.appendingPathComponent("model.safetensors").path
        let manager = FileManager.default
        if manager.fileExists(atPath: path) { return path }
        if manager.fileExists(atPath: url.appendingPathComponent("model.safetensors.index.json").path) {
            throw SafeTensorsError(path: path, "sharded checkpoints (model.safetensors.index.json) are not supported; "
                + "re-save with save_pretrained(..., max_shard_size=\"100GB\")")
        }
        for pickle in ["pytorch_model.bin", "model.ckpt"] where manager.fileExists(atPath: url.appendingPathComponent(pickle).path) {
            throw SafeTensorsError(path: path, "missing; found \(pickle), a pickle dbrun never loads: convert it with "
                + "`Model.from_pretrained(folder).save_pretrained(folder, safe_serialization=True)`")
        }
        throw SafeTensorsError(path: path, "missing: no model.safetensors in \(folder)")
    }

    /// Loads `module` strictly from the safetensors file at `path`. `wrapper` (e.g. `text_model.`) is the prefix of
    /// the transformers 4 names that a transformers 5 file lacks; integer tensors (old `position_ids` buffers) are
    /// not weights and are skipped.
    static func load(_ module: Module, from path: String, wrapper: String? = nil) throws {
        var tensors = try SafeTensorsFile(path: path).floatTensors()
        if let wrapper, !tensors.isEmpty, !tensors.keys.contains(where: { $0.hasPrefix(wrapper) }) {
            tensors = Dictionary(uniqueKeysWithValues: tensors.map { (wrapper + $0.key, $0.value) })
        }
        do {
            try module.load(stateDict: tensors)
        } catch let error as StateDictError {
            throw SafeTensorsError(path: path, "\(error)")
        }
    }

    /// Reads `folder/config.json` as `Config`.
    static func config<Config: ModelConfig>(_ type: Config.Type, in folder: String) throws(ConfigError) -> LoadedConfig<Config> {
        try Config.load(path: URL(fileURLWithPath: folder).appendingPathComponent("config.json").path)
    }

    /// Writes `folder/config.json` (the config's own fields plus `architectures` and `model_type`, which
    /// transformers' `AutoModel` dispatches on) and `folder/model.safetensors`.
    static func save<Config: ModelConfig>(_ module: Module, config: Config, architecture: String, modelType: String,
                                          to folder: String) throws {
        let url = URL(fileURLWithPath: folder)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        var json = try jsonObject(config)
        json["architectures"] = [architecture]
        json["model_type"] = modelType
        json["torch_dtype"] = "float32"
        let data = try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys])
        try (data + Data("\n".utf8)).write(to: url.appendingPathComponent("config.json"), options: .atomic)
        try module.save(safetensors: url.appendingPathComponent("model.safetensors").path)
    }

    /// A config encoded through its coding keys, as a JSON object.
    static func jsonObject<Config: Encodable>(_ config: Config) throws -> [String: Any] {
        let data = try JSONEncoder().encode(config)
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ConfigError("config did not encode to a JSON object")
        }
        return object
    }
}
