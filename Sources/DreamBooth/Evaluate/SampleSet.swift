import Foundation
import Imaging
import Pipeline

/// What a `sample` stage wrote, read back for scoring: each prompt with its images, and their low-resolution
/// originals when the stage upscaled them (listed in the images folder's prompts.json).
struct SampleSet {
    struct Prompt {
        var prompt: String
        /// The stage's final images (upscaled when it had an upscaler).
        var images: [Image]
        var files: [String]
        /// The base model's images before upscaling; nil when the stage did not upscale.
        var lowres: [Image]?

        /// The base model's own images: what the base fine-tune is judged on.
        var baseImages: [Image] { lowres ?? images }
    }

    var folder: URL
    var prompts: [Prompt]

    static func load(_ folder: URL, stage: StageSpec, key: String) throws -> SampleSet {
        let listing = folder.appendingPathComponent("prompts.json")
        let listed: [SampleKind.Listed]
        do {
            listed = try JSONDecoder().decode([SampleKind.Listed].self, from: Data(contentsOf: listing))
        } catch {
            throw PipelineError.invalid(at: SourceLocation(file: listing.path),
                                        "stage '\(stage.name)': \(key): not a sample stage's images folder (\(error))")
        }
        func read(_ names: [String]) throws -> [Image] {
            try names.map { name in
                let path = folder.appendingPathComponent(name).path
                do { return try ImageDecoder.decode(contentsOf: path).image } catch {
                    throw PipelineError.invalid(at: SourceLocation(file: path), "stage '\(stage.name)': \(key): \(error)")
                }
            }
        }
        return SampleSet(folder: folder, prompts: try listed.map {
            Prompt(prompt: $0.prompt, images: try read($0.files), files: $0.files, lowres: try $0.lowres.map(read))
        })
    }
}
