import DiffusionTestSupport
import Foundation
import Imaging
import Testing
import TestSupport

/// `dbrun new dreambooth` checks the photos, writes a pipeline that validates and runs (relative paths), and never
/// overwrites a file.
@Suite struct NewDreamBoothCommandTests {
    static let models = ["--model", "m/sd", "--upscaler", "m/x4", "--dino", "m/dino", "--clip", "m/clip"]

    /// A temporary folder with photos/0…2.png, patterns of different strides (so no two are near-duplicates).
    static func withPhotos(_ name: String, stride: Int) throws -> TemporaryFolder {
        let folder = try TemporaryFolder(name)
        try FileManager.default.createDirectory(at: folder.url.appendingPathComponent("photos"), withIntermediateDirectories: true)
        for i in 0..<3 {
            let pixels = (0..<(3 * 32 * 32)).map { Float(($0 * (stride + i)) % 17) / 16 }
            try PNGEncoder.write(Image(width: 32, height: 32, pixels: pixels), to: folder.url.appendingPathComponent("photos/\(i).png").path)
        }
        return folder
    }

    @Test func writesAValidPipelineAndRefusesBadPhotosAndOverwrites() throws {
        let folder = try Self.withPhotos("dbrun-new", stride: 3)
        let models = Self.models
        let made = try DBRunProcess.run(["new", "dreambooth", "--photos", "photos", "--class", "cat", "--out", "p/cat.yaml"] + models,
                                        in: folder.url)
        #expect(made.status == 0, "\(made.output)")
        let text = try #require(folder.read("p/cat.yaml"))
        #expect(text.contains("class_noun: cat") && text.contains("instance_data_dir: ../photos") && text.contains("model: ../m/sd"))
        #expect(text.contains("use_lora: true"), "a real model gets LoRA")
        let valid = try DBRunProcess.run(["validate", "p/cat.yaml"], in: folder.url)
        #expect(valid.status == 0, "\(valid.output)")

        let again = try DBRunProcess.run(["new", "dreambooth", "--photos", "photos", "--class", "cat", "--out", "p/cat.yaml"] + models,
                                         in: folder.url)
        #expect(again.status == 2 && again.output.contains("already exists"), "\(again.output)")

        try folder.write("photos/broken.png", "not a png")
        let bad = try DBRunProcess.run(["new", "dreambooth", "--photos", "photos", "--class", "cat", "--out", "q.yaml"] + models,
                                       in: folder.url)
        #expect(bad.status == 2 && bad.output.contains("broken.png") && folder.read("q.yaml") == nil, "\(bad.output)")
        let noun = try DBRunProcess.run(["new", "dreambooth", "--photos", "photos", "--class", "c4t!"] + models, in: folder.url)
        #expect(noun.status != 0 && noun.output.contains("--class"), "\(noun.output)")
    }

    /// Photos that all have caption files get a pipeline that reads them; photos captioned in part are refused.
    @Test func captionedPhotosAreReadAndPartialCaptionsRefused() throws {
        let folder = try Self.withPhotos("dbrun-new-captions", stride: 5)
        let models = Self.models
        try folder.write("photos/0.txt", "on the grass")
        try folder.write("photos/1.txt", "in the snow")
        let partial = try DBRunProcess.run(["new", "dreambooth", "--photos", "photos", "--class", "cat", "--out", "a.yaml"] + models,
                                           in: folder.url)
        #expect(partial.status != 0 && partial.output.contains("photos/2.txt") && partial.output.contains("2 of 3"),
                "\(partial.output)")
        #expect(folder.read("a.yaml") == nil)

        try folder.write("photos/2.txt", "at night")
        let made = try DBRunProcess.run(["new", "dreambooth", "--photos", "photos", "--class", "cat", "--out", "b.yaml"] + models,
                                        in: folder.url)
        #expect(made.status == 0, "\(made.output)")
        let text = try #require(folder.read("b.yaml"))
        #expect(text.components(separatedBy: "caption_extension: .txt").count == 3, "both fine-tunes read the captions")
        #expect(text.components(separatedBy: "instance_prompt: a photo of ${identifier.token} cat {caption}").count == 3)
        #expect(!made.output.contains("skipped"), "caption files are not stray files: \(made.output)")
        let valid = try DBRunProcess.run(["validate", "b.yaml"], in: folder.url)
        #expect(valid.status == 0, "\(valid.output)")
    }
}
