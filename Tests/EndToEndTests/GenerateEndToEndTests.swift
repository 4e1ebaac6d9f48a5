import Diffusion
import DiffusionTestSupport
import Foundation
import Imaging
import Testing
import TestSupport

/// `dbrun generate` on a tiny random Stable Diffusion folder: images of the right size, the same bytes for the
/// same seed, and image i independent of how many are generated; then upscaled by a tiny random upscaler.
@Suite struct GenerateEndToEndTests {
    @Test func seededImagesAreReproducible() throws {
        let folder = try TemporaryFolder("dbrun-generate")
        let model = folder.url.appendingPathComponent("tiny-sd")
        try TinyStableDiffusion.write(to: model)
        func generate(_ out: String, _ extra: [String] = []) throws -> DBRunProcess.Result {
            try DBRunProcess.run(["generate", "--model", model.path, "--prompt", "a photo of sks dog", "--steps", "3",
                                  "--seed", "7", "--out", out] + extra, in: folder.url)
        }
        let one = try generate("one.png")
        #expect(one.status == 0, "\(one.output)")
        let image = try Image(contentsOf: folder.url.appendingPathComponent("one.png").path)
        #expect(image.width == 16 && image.height == 16)

        _ = try generate("again.png")
        #expect(folder.read("one.png") == folder.read("again.png"), "same seed, same bytes")

        let batch = try generate("batch.png", ["--count", "2"])
        #expect(batch.status == 0, "\(batch.output)")
        #expect(folder.read("batch-0.png") == folder.read("one.png"), "image 0 does not depend on the batch")
        #expect(folder.read("batch-1.png") != folder.read("one.png"))
        #expect(FileManager.default.fileExists(atPath: folder.url.appendingPathComponent("batch.png").path))

        // Saved again by dbrun as a diffusers folder: the same model, so the same image.
        let resaved = folder.url.appendingPathComponent("resaved")
        try StableDiffusion(folder: model.path).save(folder: resaved.path)
        #expect(FileManager.default.fileExists(atPath: resaved.appendingPathComponent("model_index.json").path))
        let fromResaved = try DBRunProcess.run(["generate", "--model", resaved.path, "--prompt", "a photo of sks dog",
                                                "--steps", "3", "--seed", "7", "--out", "resaved.png"], in: folder.url)
        #expect(fromResaved.status == 0, "\(fromResaved.output)")
        #expect(folder.read("resaved.png") == folder.read("one.png"))
        // For scripts/reference/check_model_folder.py: keep a copy to load into diffusers.
        if let keep = ProcessInfo.processInfo.environment["DBRUN_SD_ROUNDTRIP_DIR"] {
            try? FileManager.default.removeItem(atPath: keep)
            try FileManager.default.copyItem(at: resaved, to: URL(fileURLWithPath: keep))
        }

        let bad = try generate("x.png", ["--scheduler", "eulr"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("unknown scheduler 'eulr'"))
    }

    @Test func upscalerGrowsTheImageByItsVAEScale() throws {
        let folder = try TemporaryFolder("dbrun-generate")
        let base = folder.url.appendingPathComponent("tiny-sd"), upscaler = folder.url.appendingPathComponent("tiny-x4")
        try TinyStableDiffusion.write(to: base)
        try TinyStableDiffusionUpscale.write(to: upscaler)
        func generate(_ out: String, _ extra: [String]) throws -> DBRunProcess.Result {
            try DBRunProcess.run(["generate", "--model", base.path, "--prompt", "a photo of sks dog", "--steps", "2",
                                  "--seed", "7", "--out", out] + extra, in: folder.url)
        }
        let up = try generate("up.png", ["--upscaler", upscaler.path, "--upscale-steps", "2", "--noise-level", "40"])
        #expect(up.status == 0, "\(up.output)")
        #expect(up.stderr.contains("generate  step 1/") && up.stderr.contains("upscale  step 1/"), "both phases show")
        let image = try Image(contentsOf: folder.url.appendingPathComponent("up.png").path)
        let side = 16 * TinyStableDiffusionUpscale.scale
        #expect(image.width == side && image.height == side)
        _ = try generate("plain.png", [])
        #expect(folder.read("up-lowres.png") == folder.read("plain.png"), "the low-res image is the base model's")

        // Saved again by dbrun: the same upscaler, so the same image.
        let resaved = folder.url.appendingPathComponent("resaved-x4")
        try StableDiffusionUpscale(folder: upscaler.path).save(folder: resaved.path)
        let again = try generate("again.png", ["--upscaler", resaved.path, "--upscale-steps", "2", "--noise-level", "40"])
        #expect(again.status == 0, "\(again.output)")
        #expect(folder.read("again.png") == folder.read("up.png"))
        // For scripts/reference/pipeline_parity.py: keep a copy to load into diffusers.
        if let keep = ProcessInfo.processInfo.environment["DBRUN_UPSCALER_ROUNDTRIP_DIR"] {
            try? FileManager.default.removeItem(atPath: keep)
            try FileManager.default.copyItem(at: resaved, to: URL(fileURLWithPath: keep))
        }

        let tooNoisy = try generate("x.png", ["--upscaler", upscaler.path, "--noise-level", "351"])
        #expect(tooNoisy.status == 2 && tooNoisy.stderr.contains("max_noise_level"))
        let swapped = try DBRunProcess.run(["generate", "--model", upscaler.path, "--prompt", "a dog", "--out", "x.png"],
                                           in: folder.url)
        #expect(swapped.status == 2 && swapped.stderr.contains("--upscaler"))
    }
}
