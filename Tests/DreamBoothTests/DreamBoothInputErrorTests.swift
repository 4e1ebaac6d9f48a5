import DiffusionTestSupport
import DreamBooth
import Foundation
import Imaging
import Pipeline
import Testing
import TestSupport

/// Bad input to the DreamBooth kinds stops the stage with an error that names the file and line at fault.
@Suite struct DreamBoothInputErrorTests {
    static func failure(_ stage: String, setUp: (TemporaryFolder) throws -> Void = { _ in }) throws -> String {
        let folder = try TemporaryFolder("dbrun-db-errors")
        try TinyStableDiffusionUpscale.write(to: folder.url.appendingPathComponent("up"))
        try folder.write("photos/0.png", "not a png")
        try setUp(folder)
        let file = try folder.write("p.yaml", "version: 1\nname: bad\nstages:\n" + stage)
        let loaded = try PipelineLoader.load(file: file.path, kinds: DreamBoothKinds.registry)
        let summary = Runner(pipeline: loaded, store: Store(root: folder.url.appendingPathComponent(".dbrun")),
                             display: ProgressDisplay(quiet: true), dbrunVersion: "test").run(Runner.Options())
        return summary.error.map { "\($0)" } ?? "no error"
    }

    static let sr = """
      sr:
        kind: finetune-sr
        with:
          model: up
          instance_data_dir: photos
          instance_prompt: a photo of zwx dog
    """

    @Test func aCropThatIsNotOnTheGridNamesItsLine() throws {
        let text = try Self.failure(Self.sr + "\n      crop_size: 20\n")
        #expect(text.contains("p.yaml:10:") && text.contains("crop_size (20)"), "\(text)")
    }

    @Test func aNoiseLevelAboveTheUpscalersNamesItsLine() throws {
        let text = try Self.failure(Self.sr + "\n      noise_level: 400\n")
        #expect(text.contains("p.yaml:10:") && text.contains("noise_level 400"), "\(text)")
    }

    @Test func anUnreadablePhotoIsNamed() throws {
        let text = try Self.failure(Self.sr + "\n")
        #expect(text.contains("photos/0.png") && text.contains("instance_data_dir"), "\(text)")
    }

    @Test func evaluateOnAFolderThatIsNotSamplesSaysSo() throws {
        let text = try Self.failure("""
          ev:
            kind: evaluate
            with:
              instance_data_dir: good
              samples: photos
              identifier: zwx
              dino: up
              clip: up

        """) { folder in
            let image = Image(width: 8, height: 8, pixels: [Float](repeating: 0.5, count: 3 * 64))
            try FileManager.default.createDirectory(at: folder.url.appendingPathComponent("good"), withIntermediateDirectories: true)
            try PNGEncoder.write(image, to: folder.url.appendingPathComponent("good/0.png").path)
        }
        #expect(text.contains("prompts.json") && text.contains("not a sample stage's images folder"), "\(text)")
    }

    static let captioned = """
      ft:
        kind: finetune-base
        with:
          model: sd
          instance_data_dir: good
          caption_extension: .txt
          max_train_steps: 1

    """

    static func captionFolder(_ folder: TemporaryFolder) throws {
        try TinyStableDiffusion.write(to: folder.url.appendingPathComponent("sd"))
        let image = Image(width: 8, height: 8, pixels: [Float](repeating: 0.5, count: 3 * 64))
        try FileManager.default.createDirectory(at: folder.url.appendingPathComponent("good"), withIntermediateDirectories: true)
        for name in ["0", "1"] { try PNGEncoder.write(image, to: folder.url.appendingPathComponent("good/\(name).png").path) }
        try folder.write("good/0.txt", "on the grass\n")
    }

    @Test func captionsNeedTheirSlotInTheInstancePrompt() throws {
        let text = try Self.failure(Self.captioned + "      instance_prompt: a photo of zwx dog\n", setUp: Self.captionFolder)
        #expect(text.contains("p.yaml:9:") && text.contains("'{caption}' in instance_prompt"), "\(text)")
    }

    @Test func aPhotoWithoutItsCaptionIsNamed() throws {
        let text = try Self.failure(Self.captioned + "      instance_prompt: a photo of zwx dog {caption}\n", setUp: Self.captionFolder)
        #expect(text.contains("good/1.txt") && text.contains("no caption for") && text.contains("good/1.png"), "\(text)")
    }

    @Test func upscalerCaptionsNeedTheirSlotToo() throws {
        let text = try Self.failure(Self.sr + "\n      caption_extension: .txt\n")
        #expect(text.contains("p.yaml:10:") && text.contains("'{caption}' in instance_prompt"), "\(text)")
    }

    @Test func aCaptionSlotWithoutCaptionFilesIsNamed() throws {
        let stage = Self.sr.replacingOccurrences(of: "a photo of zwx dog", with: "a photo of zwx dog {caption}")
        let text = try Self.failure(stage + "\n")
        #expect(text.contains("p.yaml:9:") && text.contains("no caption_extension"), "\(text)")
    }
}
