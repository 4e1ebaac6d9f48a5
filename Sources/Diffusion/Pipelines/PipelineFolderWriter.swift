import Foundation
import SafeTensors

/// Writes a Stable Diffusion-family folder in diffusers' layout from models in memory: what loading pipelines
/// re-save, and what training stages publish.
public enum PipelineFolderWriter {
    /// Each model's config and weights, the folders in `copying` (component name → source: the tokenizer and
    /// scheduler folders) copied as they are, and `model_index.json` naming every component, with the scheduler
    /// classes from `schedulerClasses` (component name → class) and `index` added.
    public static func write(
        to path: String, pipelineClass: String, textEncoder: CLIPTextModel, unet: UNet2DConditionModel,
        vae: AutoencoderKL, copying: [String: URL], schedulerClasses: [String: String], index: [String: Any] = [:],
        as dtype: SafeTensorsDType = .float32
    ) throws {
        let root = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try textEncoder.save(folder: root.appendingPathComponent("text_encoder").path, as: dtype)
        try unet.save(folder: root.appendingPathComponent("unet").path, as: dtype)
        try vae.save(folder: root.appendingPathComponent("vae").path, as: dtype)
        for (component, source) in copying.sorted(by: { $0.key < $1.key }) {
            let target = root.appendingPathComponent(component)
            try? FileManager.default.removeItem(at: target)
            try copyFollowingLinks(source, to: target)
        }
        var entries: [String: Any] = [
            "_class_name": pipelineClass,
            "_diffusers_version": DiffusersFolder.diffusersVersion,
            "text_encoder": ["transformers", "CLIPTextModel"],
            "tokenizer": ["transformers", "CLIPTokenizer"],
            "unet": ["diffusers", "UNet2DConditionModel"],
            "vae": ["diffusers", "AutoencoderKL"],
        ]
        for (component, className) in schedulerClasses { entries[component] = ["diffusers", className] }
        entries.merge(index) { $1 }
        let data = try JSONSerialization.data(withJSONObject: entries, options: [.prettyPrinted, .sortedKeys])
        try data.write(to: root.appendingPathComponent("model_index.json"))
    }

    /// Copies a file or folder with every symbolic link replaced by what it points to: a source folder may link to
    /// files outside it (models/toyworld's tokenizers are relative links to models/clip-tokenizer), which a copy of
    /// the link would leave dangling in the new place. A dangling link, or a link back to a folder being copied, is
    /// an error naming it.
    public static func copyFollowingLinks(_ source: URL, to target: URL) throws {
        try copyFollowingLinks(source, to: target, within: [])
    }

    private static func copyFollowingLinks(_ source: URL, to target: URL, within ancestors: Set<String>) throws {
        let manager = FileManager.default
        let resolved = source.resolvingSymlinksInPath()
        var isFolder: ObjCBool = false
        guard manager.fileExists(atPath: resolved.path, isDirectory: &isFolder) else {
            let link = (try? manager.destinationOfSymbolicLink(atPath: source.path)).map { " (a link to \($0))" }
            throw PipelineFolderError.missingSource(path: source.path, detail: link ?? "")
        }
        guard isFolder.boolValue else { return try manager.copyItem(at: resolved, to: target) }
        guard !ancestors.contains(resolved.path) else {
            throw PipelineFolderError.linkCycle(path: source.path, folder: resolved.path)
        }
        try manager.createDirectory(at: target, withIntermediateDirectories: true)
        for name in try manager.contentsOfDirectory(atPath: resolved.path).sorted() {
            try copyFollowingLinks(
                resolved.appendingPathComponent(name), to: target.appendingPathComponent(name),
                within: ancestors.union([resolved.path]))
        }
    }
}

/// Why a model folder's file could not be copied.
public enum PipelineFolderError: Error, CustomStringConvertible {
    case missingSource(path: String, detail: String)
    case linkCycle(path: String, folder: String)

    public var description: String {
        switch self {
        case .missingSource(let path, let detail): "\(path) does not exist\(detail)"
        case .linkCycle(let path, let folder): "\(path) links back to \(folder), which holds it: the copy would never end"
        }
    }
}
