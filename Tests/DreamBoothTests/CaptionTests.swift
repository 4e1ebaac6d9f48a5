import DiffusionTestSupport
import Diffusion
import Foundation
import Imaging
import Testing
import Tensor
import TestSupport
@testable import DreamBooth

/// Captions as kohya's scripts read them: one file beside each photo, read in the photos' order, each photo's
/// prompt its own.
struct CaptionTests {
    @Test func eachPhotoTrainsWithItsOwnCaption() throws {
        let folder = try TemporaryFolder("dbrun-captions")
        let image = Image(width: 8, height: 8, pixels: [Float](repeating: 0.5, count: 3 * 64))
        for (name, caption) in [("b", "in the snow"), ("a", "  on the grass\n"), ("c", "at night")] {
            try PNGEncoder.write(image, to: folder.url.appendingPathComponent("\(name).png").path)
            try folder.write("\(name).caption", caption)
        }
        let captions = try SubjectPhotos.captions(folder.url, extension: "caption", stage: "ft", key: "instance_data_dir")
        #expect(captions == ["on the grass", "in the snow", "at night"])

        let examples = DreamBoothTask.Examples(images: [image, image, image], prompts: captions.map { "a zwx dog \($0)" })
        #expect((0..<4).map(examples.prompt) == ["a zwx dog on the grass", "a zwx dog in the snow", "a zwx dog at night",
                                                "a zwx dog on the grass"])
        #expect(DreamBoothTask.Examples(images: [image, image], prompt: "a zwx dog").prompt(1) == "a zwx dog")
        #expect(ImageFolder.captionPath(forImage: "/x/dog-1.png", extension: ".txt") == "/x/dog-1.txt")
    }

    /// The upscaler's fine-tune conditions each photo on its own prompt's text states.
    @Test func theUpscalerFineTuneConditionsEachPhotoOnItsCaption() throws {
        let folder = try TemporaryFolder("dbrun-sr-captions")
        try TinyStableDiffusionUpscale.write(to: folder.url)
        let upscaler = try StableDiffusionUpscale(folder: folder.url.path)
        let photos = (0..<2).map { k in Image(width: 64, height: 64, pixels: (0..<(3 * 64 * 64)).map { Float(($0 + k) % 7) / 6 }) }
        let prompts = ["a zwx dog on the grass", "a zwx dog at night"]
        let task = try SRFinetuneTask(
            upscaler: upscaler, photos: photos, prompts: prompts,
            objective: DenoisingObjective(schedule: try NoiseSchedule(config: upscaler.scheduler.config), prediction: .epsilon),
            noiseLevel: 20, transform: TrainingTransform(resolution: 64), cropSize: 64, batchSize: 3, dataSeed: 0, trainable: [])
        let states = try prompts.map { try upscaler.encode([$0]) }
        let expected = Tensor.concat([states[0], states[1], states[0]], axis: 0)
        let context = try task.batch(0).context
        #expect(context.shape == expected.shape && context.scalars == expected.scalars)
        #expect(states[0].scalars != states[1].scalars)
    }
}
