import Foundation
import SafeTensors
import Tensor

/// Why a model could not be built, loaded or run: names the file, tensor or input at fault.
public struct DiffusionModelError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// One component folder in diffusers layout (`unet/`, `vae/`): `config.json` beside
/// `diffusion_pytorch_model.safetensors`, which is what `from_pretrained(…, subfolder=…)` reads and writes.
public enum DiffusersFolder {
    static let weightsName = "diffusion_pytorch_model.safetensors"
    /// Written into configs so diffusers knows which class to build; the version is the one our fixtures use.
    public static let diffusersVersion = "0.42.1"

    static func configPath(_ folder: String) -> String { (folder as NSString).appendingPathComponent("config.json") }
    static func weightsPath(_ folder: String) -> String { (folder as NSString).appendingPathComponent(weightsName) }

    /// Loads weights strictly; refuses a folder holding only PyTorch pickles with the way to convert them.
    static func loadWeights(_ module: Module, folder: String) throws {
        let path = weightsPath(folder)
        guard FileManager.default.fileExists(atPath: path) else {
            let pickle = (folder as NSString).appendingPathComponent("diffusion_pytorch_model.bin")
            if FileManager.default.fileExists(atPath: pickle) {
                throw DiffusionModelError("\(pickle): pickled weights are never loaded; convert with diffusers: "
                    + "`Model.from_pretrained(folder).save_pretrained(folder, safe_serialization=True)`")
            }
            throw DiffusionModelError("\(path): no such file")
        }
        try loadStreaming(module, path: path)
    }

    /// Strict load one tensor at a time, so an SD-size model never holds a second full copy of its weights.
    static func loadStreaming(_ module: Module, path: String) throws {
        let file = try SafeTensorsFile(path: path)
        var seen = Set<String>()
        var failure: (any Error)?
        var visitor = ParameterVisitor { name, parameter in
            guard failure == nil else { return }
            do {
                guard file.contains(name) else { throw SafeTensorsError(path: path, tensor: name, "missing from the file") }
                let info = try file.info(name)
                guard info.shape == parameter.shape else {
                    throw SafeTensorsError(path: path, tensor: name, "has shape \(info.shape), the model expects \(parameter.shape)")
                }
                parameter.copy(from: try file.tensor(name))
                seen.insert(name)
            } catch {
                failure = error
            }
        }
        module.visitParameters(&visitor)
        if let failure { throw failure }
        let extra = file.tensors.map(\.name).filter { !seen.contains($0) }
        if !extra.isEmpty {
            throw SafeTensorsError(path: path, "unexpected tensors the model does not have: \(extra.sorted().joined(separator: ", "))")
        }
    }

    /// Writes `config.json` (the struct's keys plus `_class_name`/`_diffusers_version`, sorted) and the weights.
    static func save<Config: ModelConfig>(_ module: Module, config: Config, className: String, folder: String,
                                        dtype: SafeTensorsDType = .float32) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let encoded = try JSONEncoder().encode(config)
        guard var object = try JSONSerialization.jsonObject(with: encoded) as? [String: Any] else {
            throw DiffusionModelError("\(configPath(folder)): config did not encode to a JSON object")
        }
        object["_class_name"] = className
        object["_diffusers_version"] = diffusersVersion
        let json = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        try json.write(to: URL(fileURLWithPath: configPath(folder)))
        try module.save(safetensors: weightsPath(folder), as: dtype)
    }
}
