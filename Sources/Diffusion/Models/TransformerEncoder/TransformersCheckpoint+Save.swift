import Foundation
import SafeTensors
import Tensor

extension TransformersCheckpoint {
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
