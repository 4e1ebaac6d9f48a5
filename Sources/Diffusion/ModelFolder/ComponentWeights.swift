import Foundation
import SafeTensors

/// Where a component folder of a diffusers model keeps its weights, by the file names diffusers and transformers
/// write: `diffusion_pytorch_model[.VARIANT].safetensors` (diffusers models), `model[.VARIANT].safetensors`
/// (transformers models), or a sharded `….safetensors.index[.VARIANT].json`.
public enum ComponentWeights {
    static let stems = ["diffusion_pytorch_model", "model"]

    /// The candidate file names, in the order they are tried.
    public static func candidates(variant: String? = nil) -> [String] {
        stems.flatMap { stem in
            if let variant {
                ["\(stem).\(variant).safetensors", "\(stem).safetensors.index.\(variant).json"]
            } else {
                ["\(stem).safetensors", "\(stem).safetensors.index.json"]
            }
        }
    }

    /// The weights file of `folder`; refuses pickle-only folders with the conversion command.
    public static func locate(in folder: String, variant: String? = nil) throws(SafeTensorsError) -> String {
        for name in candidates(variant: variant) {
            let path = (folder as NSString).appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: path) { return path }
        }
        let contents = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        if let pickle = contents.sorted().first(where: {
            SafeTensorsFile.pickleExtensions.contains(($0 as NSString).pathExtension.lowercased())
        }) {
            throw SafeTensorsFile.pickleRefusal((folder as NSString).appendingPathComponent(pickle))
        }
        let variants = contents.filter { $0.hasSuffix(".safetensors") }.sorted()
        let hint = variants.isEmpty ? "" : " (found \(variants.joined(separator: ", ")); a variant such as fp16 must be asked for)"
        throw SafeTensorsError(path: folder,
            "no weights: expected one of \(candidates(variant: variant).joined(separator: ", "))\(hint)")
    }

    /// Opens the weights of `folder`.
    public static func open(in folder: String, variant: String? = nil) throws(SafeTensorsError) -> SafeTensorsArchive {
        try SafeTensorsArchive(path: locate(in: folder, variant: variant))
    }
}
