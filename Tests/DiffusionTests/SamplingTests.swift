import Foundation
import Testing
import Tensor
@testable import Diffusion

/// The sampling loop with analytical stand-ins for the models.
///
/// The point-mass denoiser is the exact model for data that is one point x*: its ε (or v) prediction is exact at
/// every noise level, so every deterministic scheduler (and the ancestral ones, whose last step adds no noise)
/// must land on x* whatever the initial noise. Under classifier-free guidance the combined prediction is the exact
/// one for x*_uncond + g·(x*_cond − x*_uncond), which checks the batch order, the guidance formula and the
/// negative prompt.
@Suite struct SamplingTests {
    /// A fixed C×H×W pattern in [-1, 1] that the targets are multiples of.
    static func pattern(_ c: Int, _ h: Int, _ w: Int) -> Tensor {
        let n = c * h * w
        return Tensor(shape: [1, c, h, w], scalars: (0..<n).map { Float(($0 * 7) % 11) / 5 - 1 })
    }

    /// Prompt → 1×2×3 embedding filled with `count/10` (the empty prompt gives 0).
    static func encode(_ prompts: [String]) -> Tensor {
        Tensor.concat(prompts.map { Tensor.full([1, 2, 3], Float($0.count) / 10) }, axis: 0)
    }

    /// ᾱ at a (possibly fractional) timestep, through σ interpolation as the Euler schedulers see it.
    static func alphaProd(_ schedule: NoiseSchedule, _ t: Float) -> Double {
        let sigma = interpolate(schedule.trainSigmas, at: Double(t))
        return 1 / (1 + sigma * sigma)
    }

    /// The exact model for the point mass `target(input, context, labels)` (N×C×H×W) under `prediction`.
    static func pointMass(
        _ schedule: NoiseSchedule, _ prediction: PredictionType, latentChannels: Int,
        target: @escaping (Tensor, Tensor, [Int]?) -> Tensor
    ) -> Denoiser {
        { input, t, context, labels in
            let x = input.shape[1] == latentChannels ? input : input.slice(axis: 1, 0..<latentChannels)
            let a = alphaProd(schedule, t)
            let x0 = target(input, context, labels)
            let epsilon = (x - Float(a.squareRoot()) * x0) / Float((1 - a).squareRoot())
            switch prediction {
            case .epsilon: return epsilon
            case .sample: return x0
            case .vPrediction: return Float(a.squareRoot()) * epsilon - Float((1 - a).squareRoot()) * x0
            }
        }
    }

    /// Per item: the context's mean times the pattern.
    static func contextTarget(_ input: Tensor, _ context: Tensor, _: [Int]?) -> Tensor {
        let n = context.shape[0]
        let means = context.mean(axes: [1, 2]).reshaped([n, 1, 1, 1])
        return means * pattern(4, input.shape[2], input.shape[3])
    }

    static func config(_ kind: SchedulerConfig.Kind) -> SchedulerConfig {
        var config = SchedulerConfig(kind: kind)
        (config.betaSchedule, config.betaStart, config.betaEnd) = ("scaled_linear", 0.00085, 0.012)
        config.clipSample = false
        config.setAlphaToOne = true
        config.skipPrkSteps = true
        return config
    }

    @Test(arguments: SchedulerConfig.Kind.allCases)
    func guidedSamplingLandsOnTheGuidedPoint(_ kind: SchedulerConfig.Kind) throws {
        let config = Self.config(kind)
        let scheduler = try config.makeScheduler()
        let sampler = TextToImage(
            scheduler: scheduler,
            denoiser: Self.pointMass(try NoiseSchedule(config: config), .epsilon, latentChannels: 4,
                                     target: Self.contextTarget),
            encodePrompts: Self.encode)
        let request = TextToImageRequest(prompts: ["a dog", "a photo"], negativePrompts: ["ugly"], seeds: [1, 2],
                                         steps: 8, guidanceScale: 7.5, latentHeight: 3, latentWidth: 5)
        let result = try sampler.generate(request)
        // u = 0.4 ("ugly"), c = 0.5 and 0.7: x* = u + 7.5·(c − u).
        let expected = Tensor.concat([(0.4 + 7.5 * (0.5 - 0.4)) * Self.pattern(4, 3, 5),
                                      (0.4 + 7.5 * (0.7 - 0.4)) * Self.pattern(4, 3, 5)], axis: 0)
        expectClose(result.latents, expected, "\(kind)", tolerance: 1e-4)
    }

    @Test func vPredictionAndEmptyNegativePrompt() throws {
        var config = Self.config(.dpmSolverMultistep)
        config.predictionType = "v_prediction"
        let sampler = TextToImage(
            scheduler: try config.makeScheduler(),
            denoiser: Self.pointMass(try NoiseSchedule(config: config), .vPrediction, latentChannels: 4,
                                     target: Self.contextTarget),
            encodePrompts: Self.encode)
        let result = try sampler.generate(TextToImageRequest(prompts: ["abcde"], seeds: [4], steps: 6,
                                                             guidanceScale: 3, latentHeight: 2, latentWidth: 2))
        // No negative prompt: the empty prompt, u = 0.
        expectClose(result.latents, (3 * 0.5) * Self.pattern(4, 2, 2), "v-prediction", tolerance: 1e-4)
    }

    /// Records the batch sizes and labels the denoiser saw.
    final class Calls: @unchecked Sendable {
        var batches: [Int] = []
        var contexts: [[Int]] = []
        var labels: [[Int]?] = []
    }

    /// `0.1·x + t/1000` per item: no mixing across the batch, and the initial noise shows in the result.
    static func plainDenoiser(_ calls: Calls? = nil) -> Denoiser {
        { x, t, context, labels in
            calls?.batches.append(x.shape[0])
            calls?.contexts.append(context.shape)
            calls?.labels.append(labels)
            return 0.1 * x + t / 1000
        }
    }

    @Test func eachSeedGivesTheSameImageInAnyBatch() throws {
        for kind in [SchedulerConfig.Kind.eulerAncestral, .ddpm, .euler] {
            let sampler = TextToImage(scheduler: try Self.config(kind).makeScheduler(), denoiser: Self.plainDenoiser(),
                                      encodePrompts: Self.encode)
            func run(_ seeds: [UInt64]) throws -> Tensor {
                try sampler.generate(TextToImageRequest(prompts: ["a"], seeds: seeds, steps: 5, latentHeight: 4,
                                                        latentWidth: 4)).latents
            }
            let pair = try run([11, 42]), alone = try run([42]), again = try run([11, 42])
            #expect(pair.slice(axis: 0, 1..<2).scalars == alone.scalars, "\(kind): seed 42 alone vs in a batch")
            #expect(pair.scalars == again.scalars, "\(kind): same seeds, same result")
            #expect(pair.slice(axis: 0, 0..<1).scalars != alone.scalars, "\(kind): other seeds differ")
        }
    }

    @Test func guidanceBatchesBothHalvesInOneCall() throws {
        let calls = Calls()
        let sampler = TextToImage(scheduler: try Self.config(.ddim).makeScheduler(), denoiser: Self.plainDenoiser(calls),
                                  encodePrompts: Self.encode)
        _ = try sampler.generate(TextToImageRequest(prompts: ["a"], seeds: [1, 2, 3], steps: 4, guidanceScale: 5,
                                                    latentHeight: 2, latentWidth: 2))
        #expect(calls.batches == [6, 6, 6, 6])
        #expect(calls.contexts.allSatisfy { $0 == [6, 2, 3] })
        calls.batches = []
        _ = try sampler.generate(TextToImageRequest(prompts: ["a"], seeds: [1, 2, 3], steps: 4, guidanceScale: 1,
                                                    latentHeight: 2, latentWidth: 2))
        #expect(calls.batches == [3, 3, 3, 3], "no guidance: one half only")
    }

    @Test func progressAndCancellation() throws {
        let sampler = TextToImage(scheduler: try Self.config(.euler).makeScheduler(), denoiser: Self.plainDenoiser(),
                                  encodePrompts: Self.encode)
        let request = TextToImageRequest(prompts: ["a"], seeds: [1], steps: 5, latentHeight: 2, latentWidth: 2)
        final class Log: @unchecked Sendable { var steps: [[Int]] = [] }
        let log = Log()
        _ = try sampler.generate(request, control: SamplingControl(progress: { log.steps.append([$0, $1]) }))
        #expect(log.steps == [[1, 5], [2, 5], [3, 5], [4, 5], [5, 5]])

        log.steps = []
        let control = SamplingControl(progress: { log.steps.append([$0, $1]) }, isCancelled: { log.steps.count >= 2 })
        #expect(throws: CancellationError.self) { try sampler.generate(request, control: control) }
        #expect(log.steps.count == 2, "stopped between steps")
    }

    @Test func decoderGetsUnscaledLatentsAndImagesAreInZeroOne() throws {
        let decoder = LatentDecoder(scalingFactor: 0.5) { latents in
            // A 2× "upsampling" decoder: the latent's first three channels, doubled in size, times 3.
            let rgb = latents.slice(axis: 1, 0..<3) * 3
            return Tensor.concat([rgb, rgb], axis: 3)
        }
        let sampler = TextToImage(scheduler: try Self.config(.ddim).makeScheduler(), denoiser: Self.plainDenoiser(),
                                  encodePrompts: Self.encode, decoder: decoder)
        let result = try sampler.generate(TextToImageRequest(prompts: ["a"], seeds: [5], steps: 3, latentHeight: 2,
                                                             latentWidth: 2))
        let images = try #require(result.images)
        #expect(images.shape == [1, 3, 2, 4])
        let rgb = result.latents.slice(axis: 1, 0..<3) / 0.5 * 3
        let expected = (Tensor.concat([rgb, rgb], axis: 3) / 2 + 0.5).clamp(min: 0, max: 1)
        #expect(images.scalars == expected.scalars)
        #expect(images.scalars.allSatisfy { $0 >= 0 && $0 <= 1 })
    }

    @Test func refusalsNameTheParameter() throws {
        let sampler = TextToImage(scheduler: try Self.config(.ddim).makeScheduler(), denoiser: Self.plainDenoiser(),
                                  encodePrompts: Self.encode)
        func field(_ request: TextToImageRequest) -> String? {
            do { _ = try sampler.generate(request); return nil } catch let error as SamplingError { return error.field } catch { return "\(error)" }
        }
        #expect(field(TextToImageRequest(prompts: ["a", "b"], seeds: [1, 2, 3], latentHeight: 2, latentWidth: 2)) == "prompts")
        #expect(field(TextToImageRequest(prompts: ["a"], negativePrompts: ["x", "y"], seeds: [1, 2, 3], latentHeight: 2,
                                         latentWidth: 2)) == "negativePrompts")
        #expect(field(TextToImageRequest(prompts: ["a"], seeds: [], latentHeight: 2, latentWidth: 2)) == "seeds")
        #expect(throws: SchedulerError.self) {
            try sampler.generate(TextToImageRequest(prompts: ["a"], seeds: [1], steps: 0, latentHeight: 2, latentWidth: 2))
        }
    }

    // MARK: Upscaler

    static func upscalerConfigs() throws -> (main: SchedulerConfig, lowRes: SchedulerConfig) {
        var main = try SchedulerConfig.load(path: FixturePaths.fixture("configs/x4-upscaler/scheduler/scheduler_config.json")).config
        main.setAlphaToOne = true  // so the exact model lands exactly on x* (the shipped config stops at ᾱ₀)
        let lowRes = try SchedulerConfig.load(path: FixturePaths.fixture("configs/x4-upscaler/low_res_scheduler/scheduler_config.json")).config
        return (main, lowRes)
    }

    @Test func upscalerConditionsOnTheNoisedImageAndNoiseLevel() throws {
        let (main, lowResConfig) = try Self.upscalerConfigs()
        let lowRes = try DDPMScheduler(config: lowResConfig)
        let calls = Calls()
        // x* = the noised low-res image (4th channel: its first again) × (context mean + noise level / 100).
        let denoiser = Self.pointMass(try NoiseSchedule(config: main), .vPrediction, latentChannels: 4) { input, context, labels in
            let image = input.slice(axis: 1, 4..<7)
            let n = input.shape[0]
            let scale = context.mean(axes: [1, 2]) + Tensor(labels!.map { Float($0) / 100 })
            return Tensor.concat([image, image.slice(axis: 1, 0..<1)], axis: 1) * scale.reshaped([n, 1, 1, 1])
        }
        let recording: Denoiser = { x, t, c, l in
            calls.batches.append(x.shape[1])
            calls.labels.append(l)
            return try denoiser(x, t, c, l)
        }
        let upscaler = Upscale(scheduler: try main.makeScheduler(), lowResScheduler: lowRes, denoiser: recording,
                               encodePrompts: Self.encode)
        let image = Tensor(shape: [1, 3, 2, 3], scalars: (0..<18).map { Float($0) / 9 - 1 })
        let request = UpscaleRequest(images: image, prompts: ["abc"], negativePrompts: ["a"], seeds: [8, 9], steps: 6,
                                     guidanceScale: 4, noiseLevel: 30)
        let result = try upscaler.upscale(request)

        #expect(calls.batches.allSatisfy { $0 == 7 }, "4 latent + 3 image channels")
        #expect(calls.labels.allSatisfy { $0 == [30, 30, 30, 30] }, "noise level for both halves")
        // Each seed's stream draws its image noise first.
        var noise = SeededNoise(seeds: [8, 9])
        let noised = try lowRes.addNoise(Tensor.concat([image, image], axis: 0), noise: noise.draw([3, 2, 3]), timesteps: [30])
        let four = Tensor.concat([noised, noised.slice(axis: 1, 0..<1)], axis: 1)
        // u = 0.1 + 0.3, c = 0.3 + 0.3: x* = u + 4·(c − u).
        expectClose(result.latents, (0.4 + 4 * (0.6 - 0.4)) * four, "upscaled latents", tolerance: 1e-4)

        var bad = request
        bad.noiseLevel = 351
        #expect(throws: SamplingError(field: "noiseLevel", "351 is outside 0...350 (max_noise_level)")) {
            try upscaler.upscale(bad)
        }
    }
}
