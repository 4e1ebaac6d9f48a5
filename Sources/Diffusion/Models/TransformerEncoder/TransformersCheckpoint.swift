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
    /// `model.safetensors` in `folder` (`model.<variant>.safetensors` for a diffusers variant such as `fp16`); a
    /// pickle checkpoint or a sharded one is refused with what to do instead.
    static func weightsPath(in folder: String, variant: String? = nil) throws(SafeTensorsError) -> String {
        let url = URL(fileURLWithPath: folder)
        let path = url.appendingPathComponent(variant.map { "model.\($0).safetensors" } ?? "model.safetensors").path
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
        let others = ((try? manager.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".safetensors") }.sorted()
        throw SafeTensorsError(path: path, "missing" + (others.isEmpty ? "" : "; the folder has \(others.joined(separator: ", "))"
            + " (a variant such as model.fp16.safetensors is loaded by naming it)"))
    }

    /// Loads `module` strictly from the safetensors file at `path`, one tensor at a time (peak memory is the model
    /// plus its largest tensor, not two copies of the model). `wrapper` (e.g. `text_model.`) is the prefix of the
    /// transformers 4 names that a transformers 5 file lacks. The `position_ids` buffers older transformers saved
    /// are skipped, as transformers skips them. A missing, misshapen, unexpected or non-float tensor is an error
    /// naming it and the file.
    static func load(_ module: Module, from path: String, wrapper: String? = nil) throws {
        let file = try SafeTensorsFile(path: path)
        let weights = file.tensors.filter { !$0.name.hasSuffix("position_ids") }
        let byName = Dictionary(weights.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var strip = 0
        if let wrapper, !weights.isEmpty, !weights.contains(where: { $0.name.hasPrefix(wrapper) }) { strip = wrapper.count }
        var used = Set<String>()
        var failure: (any Error)?
        var visitor = ParameterVisitor { name, parameter in
            guard failure == nil else { return }
            let key = String(name.dropFirst(strip))
            do {
                guard let info = byName[key] else {
                    throw SafeTensorsError(path: path, tensor: key, "missing: the model needs it, shape \(parameter.shape)")
                }
                guard info.dtype.convertsToFloat else {
                    throw SafeTensorsError(path: path, tensor: key, "has dtype \(info.dtype.rawValue), a weight needs a float type")
                }
                guard info.shape == parameter.shape else {
                    throw SafeTensorsError(path: path, tensor: key, "has shape \(info.shape), the model needs \(parameter.shape)")
                }
                parameter.copy(from: try file.tensor(key))
                used.insert(key)
            } catch {
                failure = error
            }
        }
        module.visitParameters(&visitor)
        if let failure { throw failure }
        let unexpected = weights.map(\.name).filter { !used.contains($0) }.sorted()
        if let first = unexpected.first {
            throw SafeTensorsError(path: path, tensor: first,
                                   "unexpected: the model has no such weight (\(unexpected.count) unexpected: "
                                   + "\(unexpected.prefix(5).joined(separator: ", "))\(unexpected.count > 5 ? ", …" : ""))")
        }
    }

    /// Reads `folder/config.json` as `Config`.
    static func config<Config: ModelConfig>(_ type: Config.Type, in folder: String) throws(ConfigError) -> LoadedConfig<Config> {
        try Config.load(path: URL(fileURLWithPath: folder).appendingPathComponent("config.json").path)
    }

    /// Writes `folder/config.json` (the config's own fields plus `architectures` and `model_type`, which
    /// transformers' `AutoModel` dispatches on) and `folder/model.safetensors`.
    static func save<Config: ModelConfig>(_ module: Module, config: Config, architecture: String, modelType: String,
                                          to folder: String, as dtype: SafeTensorsDType = .float32) throws {
        let url = URL(fileURLWithPath: folder)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        var json = try jsonObject(config)
        json["architectures"] = [architecture]
        json["model_type"] = modelType
        json["torch_dtype"] = dtype == .float16 ? "float16" : "float32"
        let data = try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys])
        try (data + Data("\n".utf8)).write(to: url.appendingPathComponent("config.json"), options: .atomic)
        try module.save(safetensors: url.appendingPathComponent("model.safetensors").path, as: dtype)
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
