import Foundation
import Pipeline
import Pretraining

/// The prompt each instance photo trains with, for both fine-tunes: `instance_prompt` for all, or with
/// `caption_extension` one per photo, the prompt with `{caption}` replaced by the photo's caption file
/// ("a photo of ${identifier.token} dog {caption}" and "on the grass" in dog-1.txt), so the identifier binds to the
/// subject and each photo's context stays in words of its own.
enum InstancePrompts {
    static let captionSlot = "{caption}"

    /// One prompt, or one per photo in the order `SubjectPhotos.load` reads them.
    static func read(_ p: StageParameters, job: StageJob, photos folder: URL) throws -> [String] {
        guard let promptNode = p.node("instance_prompt") else {
            throw PipelineError.invalid(at: job.stage.location, "stage '\(job.stage.name)' needs 'instance_prompt'")
        }
        let prompt = job.render(promptNode)
        guard let node = p.node("caption_extension") else {
            guard !prompt.contains(captionSlot) else {
                throw PipelineError.invalid(at: promptNode.location, "stage '\(job.stage.name)': instance_prompt has "
                                            + "'\(captionSlot)' but no caption_extension names the photos' caption files")
            }
            return [prompt]
        }
        let ext = try p.string("caption_extension", default: ".txt")
        guard prompt.contains(captionSlot) else {
            throw PipelineError.invalid(at: node.location, "stage '\(job.stage.name)': caption_extension needs "
                                        + "'\(captionSlot)' in instance_prompt, where each photo's caption goes")
        }
        return try SubjectPhotos.captions(folder, extension: ext, stage: job.stage.name, key: "instance_data_dir")
            .map { prompt.replacingOccurrences(of: captionSlot, with: $0) }
    }
}
