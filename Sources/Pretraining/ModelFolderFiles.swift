import Diffusion
import Foundation

/// The files beside a model's weights that make a folder load in transformers as a whole: the tokenizer's files
/// and the image processor's config.
enum ModelFolderFiles {
    /// Copies every file of a tokenizer folder (vocab.json, merges.txt, …) into `folder`, replacing any there.
    static func copyTokenizer(from tokenizer: URL, to folder: URL) throws {
        let fm = FileManager.default
        for name in try fm.contentsOfDirectory(atPath: tokenizer.path).sorted() where !name.hasPrefix(".") {
            let target = folder.appendingPathComponent(name)
            try? fm.removeItem(at: target)
            try PipelineFolderWriter.copyFollowingLinks(tokenizer.appendingPathComponent(name), to: target)
        }
    }

    /// `preprocessor_config.json`, key-sorted.
    static func writeProcessor(_ config: ImageProcessorConfig, to folder: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(config).write(to: folder.appendingPathComponent("preprocessor_config.json"))
    }
}
