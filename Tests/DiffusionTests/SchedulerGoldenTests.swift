import Foundation
import SafeTensors
import Testing
import Tensor
@testable import Diffusion

/// Every scheduler against diffusers 0.42.1's step outputs (fixtures from scripts/reference/fixtures_schedulers.py):
/// the same config, timesteps and sigmas, and every intermediate sample of a run with a fake model.
@Suite struct SchedulerGoldenTests {
    static let folder = FixturePaths.fixture("schedulers")
    /// `cases.json`, read afresh (a few kilobytes; `[String: Any]` cannot be a shared static).
    static var document: [String: Any] {
        let data = try! Data(contentsOf: URL(fileURLWithPath: folder + "/cases.json"))
        return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    }
    static var cases: [[String: Any]] { document["cases"] as! [[String: Any]] }
    static var caseNames: [String] { cases.map { $0["name"] as! String } }

    static func fixtureCase(_ name: String) -> [String: Any] { cases.first { $0["name"] as! String == name }! }

    /// The config of a case, through dbrun's own decoder.
    static func config(_ fixture: [String: Any]) throws -> SchedulerConfig {
        let data = try JSONSerialization.data(withJSONObject: fixture["config"]!)
        return try SchedulerConfig.decode(data, path: "\(fixture["name"]!).json").config
    }

    /// The fake model of the fixture script: `0.1·x + t/1000`, plus a variance half for learned variances.
    static func fakeModel(_ x: Tensor, _ t: Float, learned: Bool) -> Tensor {
        let out = 0.1 * x + t / 1000
        return learned ? Tensor.concat([out, 0.05 * x * x + 0.01], axis: 1) : out
    }

    @Test(arguments: caseNames)
    func matchesDiffusers(_ name: String) throws {
        let fixture = Self.fixtureCase(name)
        let config = try Self.config(fixture)
        var scheduler = try config.makeScheduler()
        if var ddim = scheduler as? DDIMScheduler {
            ddim.eta = fixture["eta"] as! Double
            scheduler = ddim
        }
        try scheduler.setTimesteps(fixture["steps"] as! Int)

        let expectedTimesteps = (fixture["timesteps"] as! [Double]).map { Float($0) }
        if expectedTimesteps.allSatisfy({ $0 == $0.rounded() }) {
            #expect(scheduler.timesteps == expectedTimesteps, "timesteps")
        } else {
            // Karras timesteps come from logs and interpolation in float64, then float32: allow the last bit.
            #expect(scheduler.timesteps.count == expectedTimesteps.count)
            for (t, e) in zip(scheduler.timesteps, expectedTimesteps) { #expect(abs(t - e) <= 1e-6 * max(e, 1), "timestep \(e)") }
        }
        if let expectedSigmas = fixture["sigmas"] as? [Double] {
            let sigmas = (scheduler as? EulerDiscreteScheduler)?.sigmas ?? (scheduler as? EulerAncestralDiscreteScheduler)?.sigmas
                ?? (scheduler as! DPMSolverMultistepScheduler).sigmas
            #expect(sigmas.count == expectedSigmas.count)
            for (s, e) in zip(sigmas, expectedSigmas) { #expect(abs(Double(s) - e) <= 1e-6 * max(e, 1), "sigma \(e)") }
        }
        let initSigma = fixture["init_noise_sigma"] as! Double
        #expect(abs(Double(scheduler.initNoiseSigma) - initSigma) <= 1e-6 * initSigma)

        let file = try SafeTensorsFile(path: Self.folder + "/\(name).safetensors")
        // 1e-5 of the magnitude, except where the script records why a case cannot be that close.
        let tolerance = Float(fixture["tolerance"] as! Double)
        var sample = try file.tensor("sample")
        var noiseIndex = 0
        for (i, t) in scheduler.timesteps.enumerated() {
            let input = try scheduler.scaleModelInput(sample, timestep: t)
            let output = Self.fakeModel(input, t, learned: fixture["model"] as! String == "learned")
            var noise: Tensor?
            if scheduler.isStochastic, !(config.kind == .ddpm && t == 0) {
                noise = try file.tensor("noise_\(noiseIndex)")
                noiseIndex += 1
            }
            let result = try scheduler.step(output, timestep: t, sample: sample, noise: noise)
            expectClose(result.prevSample, try file.tensor("prev_\(i)"), "\(name) prev_\(i)", tolerance: tolerance)
            if file.contains("x0_\(i)") {
                let x0 = try #require(result.predOriginalSample, "\(name) x0_\(i)")
                expectClose(x0, try file.tensor("x0_\(i)"), "\(name) x0_\(i)", tolerance: tolerance)
            } else {
                #expect(result.predOriginalSample == nil)
            }
            sample = result.prevSample
        }
        #expect(noiseIndex == fixture["noise_count"] as! Int, "every saved noise tensor used")
    }

    /// Decoding a case's config, building its scheduler and encoding `scheduler.config` gives back every value the
    /// file set (diffusers' `from_config(scheduler.config)` round trip).
    @Test(arguments: caseNames)
    func configRoundTrip(_ name: String) throws {
        let fixture = Self.fixtureCase(name)
        let original = fixture["config"] as! [String: Any]
        let scheduler = try Self.config(fixture).makeScheduler()
        let encoded = try JSONEncoder().encode(scheduler.config)
        let object = try JSONSerialization.jsonObject(with: encoded) as! [String: Any]
        for (key, value) in original {
            #expect(object[key] != nil, "\(name): \(key) missing after the round trip")
            #expect((object[key] as? NSObject)?.isEqual(value) == true, "\(name): \(key) = \(object[key] ?? "nil"), was \(value)")
        }
        let again = try SchedulerConfig.decode(encoded).config
        #expect(again == scheduler.config)
        #expect(try again.makeScheduler().timesteps.isEmpty)
    }

    @Test func betaSchedulesMatchTorch() throws {
        let file = try SafeTensorsFile(path: Self.folder + "/schedules.safetensors")
        for name in ["linear", "scaled_linear", "squaredcos_cap_v2"] {
            var config = SchedulerConfig(kind: .ddpm)
            config.betaSchedule = name
            if name == "scaled_linear" { (config.betaStart, config.betaEnd) = (0.00085, 0.012) }
            let schedule = try NoiseSchedule(config: config)
            let expected = try file.floats("alphas_cumprod_\(name)")
            #expect(schedule.alphasCumprod.count == expected.count)
            let worst = zip(schedule.alphasCumprod, expected).map { abs($0 - $1) / $1 }.max()!
            #expect(worst < 2e-6, "\(name): worst relative difference \(worst)")
        }
        for (kind, name) in [(SchedulerConfig.Kind.ddpm, "zero_snr"), (.euler, "zero_snr_euler")] {
            var config = SchedulerConfig(kind: kind)
            (config.betaSchedule, config.betaStart, config.betaEnd) = ("scaled_linear", 0.00085, 0.012)
            config.rescaleBetasZeroSnr = true
            let schedule = try NoiseSchedule(config: config)
            let expected = try file.floats("alphas_cumprod_\(name)")
            #expect(expected.last == (kind == .ddpm ? 0 : 0x1p-24) && schedule.alphasCumprod.last == expected.last)
            // Rescaling subtracts √ᾱ_T from values close to it, which magnifies torch's last-bit differences.
            let worst = zip(schedule.alphasCumprod, expected).dropLast().map { abs($0 - $1) / $1 }.max()!
            #expect(worst < 1e-5, "\(name): worst relative difference \(worst)")
        }
    }

    @Test func addNoiseAndVelocity() throws {
        let file = try SafeTensorsFile(path: Self.folder + "/schedules.safetensors")
        let original = try file.tensor("original"), noise = try file.tensor("noise")
        var config = SchedulerConfig(kind: .ddpm)
        (config.betaSchedule, config.betaStart, config.betaEnd) = ("scaled_linear", 0.00085, 0.012)
        let ddpm = try DDPMScheduler(config: config)
        expectClose(try ddpm.addNoise(original, noise: noise, timesteps: [0, 500, 999]), try file.tensor("ddpm_add_noise"), "add_noise")
        expectClose(try ddpm.velocity(original, noise: noise, timesteps: [0, 500, 999]), try file.tensor("ddpm_velocity"), "velocity")

        expectClose(try ddpm.trainingTarget(original, noise: noise, timesteps: [0, 500, 999]), noise, "epsilon target")
        var vConfig = config
        vConfig.predictionType = "v_prediction"
        expectClose(try DDPMScheduler(config: vConfig).trainingTarget(original, noise: noise, timesteps: [0, 500, 999]),
                    try file.tensor("ddpm_velocity"), "v target")
        var generator = RandomGenerator(seed: 5)
        let drawn = ddpm.randomTimesteps(500, generator: &generator)
        #expect(drawn.allSatisfy { (0..<1000).contains($0) } && Set(drawn).count > 300)

        config.kind = .euler
        var euler = try config.makeScheduler()
        try euler.setTimesteps(10)
        let eulerSteps = (Self.document["euler_timesteps"] as! [Double]).map { Float($0) }
        expectClose(try euler.addNoise(original, noise: noise, timesteps: eulerSteps), try file.tensor("euler_add_noise"), "euler")

        config.kind = .dpmSolverMultistep
        var dpm = try config.makeScheduler()
        try dpm.setTimesteps(10)
        let dpmSteps = (Self.document["dpm_timesteps"] as! [Double]).map { Float($0) }
        expectClose(try dpm.addNoise(original, noise: noise, timesteps: dpmSteps), try file.tensor("dpm_add_noise"), "dpm")

        #expect(throws: SchedulerError.self) { try ddpm.addNoise(original, noise: noise, timesteps: [0, 1000, 3]) }
        #expect(throws: SchedulerError.self) { try ddpm.addNoise(original, noise: noise, timesteps: [0, 1]) }
        #expect(throws: SchedulerError.self) { try euler.addNoise(original, noise: noise, timesteps: [1, 2, 3]) }
    }
}

/// `actual` within 1e-5 of `expected`, relative to the largest magnitude in `expected`.
func expectClose(_ actual: Tensor, _ expected: Tensor, _ what: String, tolerance: Float = 1e-5,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.shape == expected.shape, "\(what): shape", sourceLocation: sourceLocation)
    guard actual.shape == expected.shape else { return }
    let a = actual.scalars, e = expected.scalars
    let scale = max(e.map(abs).max() ?? 0, 1e-6)
    let worst = zip(a, e).map { abs($0 - $1) }.max() ?? 0
    #expect(worst <= tolerance * scale, "\(what): max difference \(worst) over magnitude \(scale)",
            sourceLocation: sourceLocation)
}
