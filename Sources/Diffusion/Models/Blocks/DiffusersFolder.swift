import Foundation
import Tensor

/// Why a model could not be built, loaded or run: names the file, tensor or input at fault.
public struct ModelError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// One component folder in diffusers layout (`unet/`, `vae/`): `config.json` beside
/// `diffusion_pytorch_model.safetensors`, which is what `from_pretrained(…, subfolder=…)` reads and writes.
enum DiffusersFolder {
    static let weightsName = "diffusion_pytorch_model.safetensors"
    /// Written into configs so diffusers knows which class to build; the version is the one our fixtures use.
    static let diffusersVersion = "0.42.1"

    static func configPath(_ folder: String) -> String { (folder as NSString).appendingPathComponent("config.json") }
    static func weightsPath(_ folder: String) -> String { (folder as NSString).appendingPathComponent(weightsName) }

    /// Loads weights strictly; refuses a folder holding only PyTorch pickles with the way to convert them.
    static func loadWeights(_ module: Module, folder: String) throws {
        let path = weightsPath(folder)
        guard FileManager.default.fileExists(atPath: path) else {
            let pickle = (folder as NSString).appendingPathComponent("diffusion_pytorch_model.bin")
            if FileManager.default.fileExists(atPath: pickle) {
                throw ModelError("\(pickle): pickled weights are never loaded; convert with diffusers: "
                    + "`Model.from_pretrained(folder).save_pretrained(folder, safe_serialization=True)`")
            }
            throw ModelError("\(path): no such file")
        }
        try module.load(safetensors: path)
    }

    /// Writes `config.json` (the struct's keys plus `_class_name`/`_diffusers_version`, sorted) and the weights.
    static func save<Config: ModelConfig>(_ module: Module, config: Config, className: String, folder: String,
                                        dtype: SafeTensorsDType = .float32) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let encoded = try JSONEncoder().encode(config)
        guard var object = try JSONSerialization.jsonObject(with: encoded) as? [String: Any] else {
            throw ModelError("\(configPath(folder)): config did not encode to a JSON object")
        }
        object["_class_name"] = className
        object["_diffusers_version"] = diffusersVersion
        let json = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        try json.write(to: URL(fileURLWithPath: configPath(folder)))
        try module.save(safetensors: weightsPath(folder), as: dtype)
    }
}
