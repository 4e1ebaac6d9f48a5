import Foundation
import SafeTensors
import Tensor

/// Reading and writing transformers model folders (`config.json` + `model.safetensors`, or shards listed in
/// `model.safetensors.index.json`), and the one name mapping dbrun applies to their checkpoints.
///
/// The mapping: transformers 4 (and so every Stable Diffusion `text_encoder` on the Hub) nests `CLIPTextModel`'s
/// weights under `text_model.` and `CLIPVisionModel`'s under `vision_model.`; transformers 5 writes the same
/// weights without that wrapper. dbrun's module trees mirror the transformers 4 names, which both versions load,
/// and a file whose names all lack the wrapper gets it added before the strict load. Nothing else is renamed.
enum TransformersCheckpoint {
    /// Loads `module` strictly from the weights in `folder` (`model.safetensors`, `model.<variant>.safetensors` for
    /// a diffusers variant such as `fp16`, or the shards of the matching `.index.json`), one tensor at a time: peak
    /// memory is the model plus its largest tensor. `wrapper` (e.g. `text_model.`) is the prefix of the
    /// transformers 4 names that a transformers 5 file lacks. The `position_ids` buffers older transformers saved
    /// are skipped, as transformers skips them. A missing, misshapen, unexpected or non-float tensor is an error
    /// naming it and its file.
    static func load(_ module: Module, folder: String, variant: String? = nil, wrapper: String? = nil) throws {
        let weights = try CheckpointWeights(folder: folder, variant: variant)
        let names = weights.entries.keys.filter { !$0.hasSuffix("position_ids") }
        var strip = 0
        if let wrapper, !names.isEmpty, !names.contains(where: { $0.hasPrefix(wrapper) }) { strip = wrapper.count }
        var used = Set<String>()
        var failure: (any Error)?
        var visitor = ParameterVisitor { name, parameter in
            guard failure == nil else { return }
            let key = String(name.dropFirst(strip))
            do {
                guard let (file, info) = weights.entries[key] else {
                    throw SafeTensorsError(path: weights.label, tensor: key, "missing: the model needs it, shape \(parameter.shape)")
                }
                guard info.dtype.convertsToFloat else {
                    throw SafeTensorsError(path: file.path, tensor: key, "has dtype \(info.dtype.rawValue), a weight needs a float type")
                }
                guard info.shape == parameter.shape else {
                    throw SafeTensorsError(path: file.path, tensor: key, "has shape \(info.shape), the model needs \(parameter.shape)")
                }
                parameter.copy(from: try file.tensor(key))
                used.insert(key)
            } catch {
                failure = error
            }
        }
        module.visitParameters(&visitor)
        if let failure { throw failure }
        let unexpected = names.filter { !used.contains($0) }.sorted()
        if let first = unexpected.first {
            throw SafeTensorsError(path: weights.label, tensor: first,
                                   "unexpected: the model has no such weight (\(unexpected.count) unexpected: "
                                   + "\(unexpected.prefix(5).joined(separator: ", "))\(unexpected.count > 5 ? ", …" : ""))")
        }
    }

    /// Reads `folder/config.json` as `Config`.
    static func config<Config: ModelConfig>(_ type: Config.Type, in folder: String) throws(ConfigError) -> LoadedConfig<Config> {
        try Config.load(path: URL(fileURLWithPath: folder).appendingPathComponent("config.json").path)
    }
}
