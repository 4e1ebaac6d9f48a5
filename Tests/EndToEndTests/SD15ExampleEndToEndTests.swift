import DiffusionTestSupport
import Foundation
import Imaging
import Testing
import TestSupport

/// examples/sd15-dog.yaml validates, and runs end to end on tiny random folders of the same kinds (a
/// StableDiffusionPipeline, a StableDiffusionUpscalePipeline, a DINO ViT and a CLIP model) named by the same
/// environment variables, with its step and image counts cut down so it takes seconds.
@Suite struct SD15ExampleEndToEndTests {
    static let example = TinyStableDiffusion.repository.appendingPathComponent("examples/sd15-dog.yaml")

    /// The example with every count that makes it long set to `small` (and the base resolution to the tiny model's).
    static func shrunk(_ text: String) -> String {
        var lines: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = String(line)
            for key in ["max_train_steps", "num_class_images", "num_inference_steps", "upscale_num_inference_steps",
                        "checkpointing_steps", "validation_steps", "num_images_per_prompt", "probe_images", "num_validation_images"]
            where line.trimmingCharacters(in: .whitespaces).hasPrefix("\(key):") {
                line = line.prefix { $0 == " " } + "\(key): \(key == "num_class_images" || key == "num_images_per_prompt" ? 2 : 1)"
            }
            if line.trimmingCharacters(in: .whitespaces) == "resolution: 512" { line = line.prefix { $0 == " " } + "resolution: 16" }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    @Test func validatesAndRunsOnTinyFoldersNamedByTheEnvironment() throws {
        let models = try TemporaryFolder("dbrun-sd15-models")
        let environment = ["SD15": models.url.appendingPathComponent("sd").path, "SD_X4": models.url.appendingPathComponent("x4").path,
                           "DINO": models.url.appendingPathComponent("dino").path, "CLIP": models.url.appendingPathComponent("clip").path,
                           "PHOTOS": models.url.appendingPathComponent("photos").path, "DBRUN_THREADS": "2"]
        try TinyStableDiffusion.write(to: URL(fileURLWithPath: environment["SD15"]!))
        try TinyStableDiffusionUpscale.write(to: URL(fileURLWithPath: environment["SD_X4"]!))
        try TinyEvaluators.writeDINO(to: URL(fileURLWithPath: environment["DINO"]!))
        try TinyEvaluators.writeCLIP(to: URL(fileURLWithPath: environment["CLIP"]!))
        let photos = URL(fileURLWithPath: environment["PHOTOS"]!)
        try FileManager.default.createDirectory(at: photos, withIntermediateDirectories: true)
        for i in 0..<2 {
            let pixels = (0..<(3 * 40 * 32)).map { Float(($0 * (5 + i)) % 19) / 18 }
            try PNGEncoder.write(Image(width: 40, height: 32, pixels: pixels), to: photos.appendingPathComponent("\(i).png").path)
        }

        let validated = try DBRunProcess.run(["validate", Self.example.path], in: models.url, environment: environment)
        #expect(validated.status == 0, "\(validated.output)")
        let unset = try DBRunProcess.run(["validate", Self.example.path], in: models.url)
        #expect(unset.status == 2 && unset.output.contains("environment variable SD15 is not set"), "\(unset.output)")

        let folder = try TemporaryFolder("dbrun-sd15-run")
        try folder.write("sd15-dog.yaml", Self.shrunk(try String(contentsOf: Self.example, encoding: .utf8)))
        let run = try DBRunProcess.run(["sd15-dog.yaml"], in: folder.url, environment: environment)
        #expect(run.status == 0, "\(run.output)")
        for path in ["out/sd15-dog/finetune_base/lora/pytorch_lora_weights.safetensors", "out/sd15-dog/finetune_sr/lora/lora_kohya.safetensors",
                     "out/sd15-dog/evaluate/metrics.json", "out/sd15-dog/evaluate/report/report.html"] {
            #expect(folder.read(path) != nil || FileManager.default.fileExists(atPath: folder.url.appendingPathComponent(path).path), "\(path)")
        }
        // The same files in another place give the same keys: all cached.
        let moved = try TemporaryFolder("dbrun-sd15-moved")
        for name in ["sd", "x4", "dino", "clip", "photos"] {
            try FileManager.default.copyItem(at: models.url.appendingPathComponent(name), to: moved.url.appendingPathComponent(name))
        }
        var elsewhere = environment
        for (key, name) in [("SD15", "sd"), ("SD_X4", "x4"), ("DINO", "dino"), ("CLIP", "clip"), ("PHOTOS", "photos")] {
            elsewhere[key] = moved.url.appendingPathComponent(name).path
        }
        let rerun = try DBRunProcess.run(["status", "sd15-dog.yaml"], in: folder.url, environment: elsewhere)
        #expect(rerun.output.contains("everything is up to date"), "\(rerun.output)")
    }
}
