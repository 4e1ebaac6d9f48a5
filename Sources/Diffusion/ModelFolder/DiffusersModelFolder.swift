import Foundation

/// A model folder in diffusers layout: `model_index.json` naming the components, one subfolder per component
/// (`unet/`, `vae/`, `text_encoder/`, `tokenizer/`, `scheduler/`, and `low_res_scheduler/` for the x4 upscaler).
///
/// A folder may hold only some components (only `unet/`, say), with or without `model_index.json`; asking for a
/// missing one is an error naming the folder it looked in. Components dbrun never loads (`safety_checker`,
/// `feature_extractor`) are listed in `unusedComponents`, not refused.
public struct DiffusersModelFolder: Sendable {
    /// The component kinds dbrun loads, with the library classes each may be.
    public enum Component: String, Sendable, CaseIterable {
        case unet, vae, textEncoder = "text_encoder", tokenizer, scheduler, lowResScheduler = "low_res_scheduler"

        public var supportedClasses: [String] {
            switch self {
            case .unet: ["UNet2DConditionModel"]
            case .vae: ["AutoencoderKL"]
            case .textEncoder: ["CLIPTextModel"]
            case .tokenizer: ["CLIPTokenizer", "CLIPTokenizerFast"]
            case .scheduler, .lowResScheduler: SchedulerConfig.Kind.allCases.map(\.rawValue)
            }
        }

        /// The config file inside the component's folder.
        public var configFile: String {
            switch self {
            case .scheduler, .lowResScheduler: "scheduler_config.json"
            case .tokenizer: "tokenizer_config.json"
            default: "config.json"
            }
        }
    }

    public let path: String
    /// `_class_name` of model_index.json (e.g. `StableDiffusionPipeline`), nil without an index.
    public let pipelineClass: String?
    /// Class of each component the index names (or, without an index, of each component folder present).
    public let componentClasses: [Component: String]
    /// Index entries dbrun does not load, e.g. `safety_checker`.
    public let unusedComponents: [String]
    /// `max_noise_level` of the upscaler's index (the largest noise level its class labels accept).
    public let maxNoiseLevel: Int?

    /// Reads `model_index.json` if present, else looks at which component folders exist.
    public init(path: String) throws(ConfigError) {
        self.path = path
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue else {
            throw ConfigError(path: path, "not a folder")
        }
        let indexPath = (path as NSString).appendingPathComponent("model_index.json")
        guard FileManager.default.fileExists(atPath: indexPath) else {
            pipelineClass = nil
            unusedComponents = []
            maxNoiseLevel = nil
            var found: [Component: String] = [:]
            for component in Component.allCases {
                let folder = (path as NSString).appendingPathComponent(component.rawValue)
                if FileManager.default.fileExists(atPath: folder) { found[component] = "" }
            }
            componentClasses = found
            return
        }
        let index: [String: Any]
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: indexPath))
            guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw ConfigError(path: indexPath, "not a JSON object")
            }
            index = object
        } catch let error as ConfigError {
            throw error
        } catch {
            throw ConfigError(path: indexPath, "not valid JSON: \(error.localizedDescription)")
        }
        pipelineClass = index["_class_name"] as? String
        maxNoiseLevel = index["max_noise_level"] as? Int
        var classes: [Component: String] = [:]
        var unused: [String] = []
        for (key, value) in index.sorted(by: { $0.key < $1.key }) where !key.hasPrefix("_") {
            // A component entry is [library, class]; [null, null] means "not present".
            guard let pair = value as? [Any], pair.count == 2 else { continue }
            guard let className = pair[1] as? String else { continue }
            guard let component = Component(rawValue: key) else {
                unused.append(key)
                continue
            }
            guard component.supportedClasses.contains(className) else {
                throw ConfigError(path: indexPath, field: key, ConfigError.unsupported(
                    key, "[\"\(pair[0] as? String ?? "?")\", \"\(className)\"]", supported: component.supportedClasses).message)
            }
            classes[component] = className
        }
        componentClasses = classes
        unusedComponents = unused
    }

    /// The folder of `component`; an error naming where it looked when the model lacks it.
    public func folder(of component: Component) throws(ConfigError) -> String {
        let folder = (path as NSString).appendingPathComponent(component.rawValue)
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            let listed = componentClasses[component] != nil ? " although model_index.json lists it" : ""
            throw ConfigError(path: folder, "the model has no \(component.rawValue) component\(listed)")
        }
        return folder
    }

    /// The path of `component`'s config file.
    public func configPath(of component: Component) throws(ConfigError) -> String {
        (try folder(of: component) as NSString).appendingPathComponent(component.configFile)
    }

    public func unetConfig() throws(ConfigError) -> LoadedConfig<UNet2DConditionConfig> {
        try UNet2DConditionConfig.load(path: configPath(of: .unet))
    }

    public func vaeConfig() throws(ConfigError) -> LoadedConfig<AutoencoderKLConfig> {
        try AutoencoderKLConfig.load(path: configPath(of: .vae))
    }

    public func textEncoderConfig() throws(ConfigError) -> LoadedConfig<CLIPTextConfig> {
        try CLIPTextConfig.load(path: configPath(of: .textEncoder))
    }

    /// The scheduler config (`.scheduler`, or `.lowResScheduler` for the upscaler's noise on its input).
    public func schedulerConfig(_ component: Component = .scheduler) throws(ConfigError) -> LoadedConfig<SchedulerConfig> {
        try SchedulerConfig.load(path: configPath(of: component))
    }

    /// The tokenizer in `tokenizer/`.
    public func tokenizer() throws(TokenizerError) -> CLIPTokenizer {
        try CLIPTokenizer(folder: (path as NSString).appendingPathComponent("tokenizer"))
    }
}
