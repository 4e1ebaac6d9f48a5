import DiffusionTestSupport
import Foundation
import Tensor
import Testing
import TestSupport
@testable import Diffusion

/// The x4 upscaler's folder: loaded strictly, checked for fitting parts, and saved so that it loads back to the
/// same model (scripts/reference/pipeline_parity.py checks that diffusers loads it and agrees).
@Suite struct StableDiffusionUpscaleTests {
    static func image() -> Tensor {
        var generator = RandomGenerator(seed: 5)
        return Tensor.uniform([1, 3, 8, 8], low: -1, high: 1, generator: &generator)
    }

    static func upscale(_ model: StableDiffusionUpscale) throws -> SamplingResult {
        var request = UpscaleRequest(images: image(), prompts: ["a photo of sks dog"], seeds: [3], steps: 2, noiseLevel: 30)
        request.guidanceScale = 4
        return try model.upscaler.upscale(request)
    }

    @Test func roundTripsThroughSave() throws {
        let folder = try TemporaryFolder("dbrun-upscaler")
        let original = folder.url.appendingPathComponent("tiny"), resaved = folder.url.appendingPathComponent("resaved")
        try TinyStableDiffusionUpscale.write(to: original)
        let model = try StableDiffusionUpscale(folder: original.path)
        #expect(model.vaeScale == TinyStableDiffusionUpscale.scale && model.maxNoiseLevel == 350)
        try model.save(folder: resaved.path)

        let index = try JSONSerialization.jsonObject(with: Data(contentsOf: resaved.appendingPathComponent("model_index.json")))
            as! [String: Any]
        #expect(index["_class_name"] as? String == "StableDiffusionUpscalePipeline")
        #expect(index["max_noise_level"] as? Int == 350)
        #expect(index["low_res_scheduler"] as? [String] == ["diffusers", "DDPMScheduler"])
        #expect(index["scheduler"] as? [String] == ["diffusers", "DDIMScheduler"])

        let loaded = try StableDiffusionUpscale(folder: resaved.path)
        let (before, after) = (try Self.upscale(model), try Self.upscale(loaded))
        #expect(after.images!.shape == [1, 3, 32, 32], "the VAE's three blocks grow the image ×4")
        #expect(before.latents.scalars == after.latents.scalars)
        #expect(before.images!.scalars == after.images!.scalars)
    }

    @Test func refusesPartsThatDoNotFit() throws {
        let folder = try TemporaryFolder("dbrun-upscaler")
        let root = folder.url.appendingPathComponent("tiny")
        try TinyStableDiffusionUpscale.write(to: root)
        let indexURL = root.appendingPathComponent("model_index.json")
        let original = try String(contentsOf: indexURL, encoding: .utf8)
        func refusal(_ index: String) throws -> ConfigError? {
            try index.write(to: indexURL, atomically: true, encoding: .utf8)
            do { _ = try StableDiffusionUpscale(folder: root.path) } catch let error as ConfigError { return error }
            return nil
        }
        let tooNoisy = try refusal(original.replacingOccurrences(of: "\"max_noise_level\": 350", with: "\"max_noise_level\": 1000"))
        #expect(tooNoisy?.field == "num_class_embeds")
        let base = try refusal(original.replacingOccurrences(of: "StableDiffusionUpscalePipeline", with: "StableDiffusionPipeline"))
        #expect(base?.field == "_class_name")

        try original.write(to: indexURL, atomically: true, encoding: .utf8)
        do { _ = try StableDiffusion(folder: root.path); Issue.record("an upscaler loaded as a text-to-image model") } catch {
            #expect("\(error)".contains("--upscaler"))
        }
    }
}
