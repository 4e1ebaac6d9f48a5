import Foundation
import SafeTensors
import Testing
import Tensor
@testable import Diffusion

/// The sampling loops against diffusers' own `StableDiffusionPipeline` and `StableDiffusionUpscalePipeline` run
/// with a fake UNet (scripts/reference/fixtures_schedulers.py, `pipelines()`): same embeddings, same initial
/// noise, same final latents.
@Suite struct SamplingGoldenTests {
    static let folder = FixturePaths.fixture("schedulers")
    static var document: [String: Any] {
        let data = try! Data(contentsOf: URL(fileURLWithPath: folder + "/pipelines.json"))
        return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    }
    static var caseNames: [String] { (document["cases"] as! [[String: Any]]).map { $0["name"] as! String } }

    /// The fixture's fake UNet: `0.1·x[:, :4]·(1 + 0.5·c) + t/1000 + 0.05·c` with c = mean(context)
    /// (+ `0.01·x[:, 4]·label/100`).
    static func fakeUNet(_ x: Tensor, _ t: Float, _ context: Tensor, _ labels: [Int]?) -> Tensor {
        let n = x.shape[0]
        let contextMean = context.mean(axes: [1, 2]).reshaped([n, 1, 1, 1])
        var out = 0.1 * x.slice(axis: 1, 0..<4) * (1 + 0.5 * contextMean) + t / 1000 + 0.05 * contextMean
        if let labels {
            let scale = Tensor(shape: [n, 1, 1, 1], scalars: labels.map { Float($0) / 100 })
            out = out + 0.01 * x.slice(axis: 1, 4..<5) * scale
        }
        return out
    }

    /// Prompts named `p<i>`/`n<i>` stand for row i of the fixture's prompt and negative embeddings.
    static func encoder(_ file: SafeTensorsFile) throws -> ([String]) throws -> Tensor {
        let prompts = try file.tensor("prompt_embeds"), negatives = try file.tensor("negative_embeds")
        return { names in
            Tensor.concat(names.map { name in
                let row = Int(name.dropFirst())!
                return (name.hasPrefix("p") ? prompts : negatives).slice(axis: 0, row..<(row + 1))
            }, axis: 0)
        }
    }

    @Test(arguments: caseNames)
    func textToImageMatchesStableDiffusionPipeline(_ name: String) throws {
        let fixture = (Self.document["cases"] as! [[String: Any]]).first { $0["name"] as! String == name }!
        let config = try SchedulerConfig.decode(JSONSerialization.data(withJSONObject: fixture["config"]!)).config
        let file = try SafeTensorsFile(path: Self.folder + "/pipelines.safetensors")
        let sampler = TextToImage(scheduler: try config.makeScheduler(), denoiser: Self.fakeUNet,
                                  encodePrompts: try Self.encoder(file))
        var request = TextToImageRequest(
            prompts: ["p0", "p1"], negativePrompts: ["n0", "n1"], seeds: [0, 1], steps: fixture["steps"] as! Int,
            guidanceScale: Float(fixture["guidance_scale"] as! Double), latentHeight: 3, latentWidth: 3)
        request.initialNoise = try file.tensor("latents")
        request.guidanceRescale = Float(fixture["guidance_rescale"] as! Double)
        let result = try sampler.generate(request)
        expectClose(result.latents, try file.tensor(name), name)
    }

    @Test func upscaleMatchesStableDiffusionUpscalePipeline() throws {
        let info = Self.document["upscale"] as! [String: Any]
        let file = try SafeTensorsFile(path: Self.folder + "/pipelines.safetensors")
        let configs = FixturePaths.fixture("configs/x4-upscaler") + "/"
        let main = try SchedulerConfig.load(path: configs + "scheduler/scheduler_config.json").config
        let lowRes = try DDPMScheduler(config: SchedulerConfig.load(path: configs + "low_res_scheduler/scheduler_config.json").config)
        let upscaler = Upscale(scheduler: try main.makeScheduler(), lowResScheduler: lowRes, denoiser: Self.fakeUNet,
                               encodePrompts: try Self.encoder(file))
        var request = UpscaleRequest(
            images: try file.tensor("upscale_image"), prompts: ["p0"], negativePrompts: ["n0"], seeds: [0],
            steps: info["steps"] as! Int, guidanceScale: Float(info["guidance_scale"] as! Double),
            noiseLevel: info["noise_level"] as! Int)
        request.initialNoise = try file.tensor("upscale_latents")
        request.lowResNoise = try file.tensor("upscale_image_noise")
        let result = try upscaler.upscale(request)
        expectClose(result.latents, try file.tensor("upscale"), "upscale")

        request.lowResNoise = Tensor.zeros([2, 3, 4, 4])
        #expect(throws: SamplingError.self) { try upscaler.upscale(request) }
    }
}
