import Foundation
import Testing
import Tensor
import TestSupport
@testable import Diffusion

/// Misuse is an error with a message, never a crash; configuration mistakes name the field.
@Suite struct SchedulerMisuseTests {
    let sample = Tensor.full([1, 4, 2, 2], 0.5)

    func scheduler(_ kind: SchedulerConfig.Kind, _ edit: (inout SchedulerConfig) -> Void = { _ in }) throws -> any Scheduler {
        var config = SchedulerConfig(kind: kind)
        config.skipPrkSteps = true
        edit(&config)
        return try config.makeScheduler()
    }

    func message(_ body: () throws -> Void) -> String? {
        do { try body(); return nil } catch { return "\(error)" }
    }

    @Test(arguments: [SchedulerConfig.Kind.ddim, .pndm, .euler, .eulerAncestral, .dpmSolverMultistep])
    func stepBeforeSetTimesteps(_ kind: SchedulerConfig.Kind) throws {
        var s = try scheduler(kind)
        let m = message { _ = try s.step(sample, timestep: 999, sample: sample, noise: sample) }
        #expect(m?.contains("setTimesteps") == true, "\(kind): \(m ?? "no error")")
    }

    @Test(arguments: SchedulerConfig.Kind.allCases)
    func stepCountsOutOfRange(_ kind: SchedulerConfig.Kind) throws {
        var s = try scheduler(kind)
        #expect(message { try s.setTimesteps(0) }?.contains("must be positive") == true)
        #expect(message { try s.setTimesteps(1001) }?.contains("num_train_timesteps") == true)
        try s.setTimesteps(1000)
        #expect(s.timesteps.count >= 1000)
    }

    @Test(arguments: [SchedulerConfig.Kind.euler, .eulerAncestral, .dpmSolverMultistep, .ddpm])
    func timestepOutsideTheSchedule(_ kind: SchedulerConfig.Kind) throws {
        var s = try scheduler(kind)
        try s.setTimesteps(10)
        let m = message { _ = try s.step(sample, timestep: 123.5, sample: sample, noise: sample) }
        #expect(m?.contains("123.5") == true, "\(kind): \(m ?? "no error")")
    }

    @Test func stochasticStepsNeedNoise() throws {
        var ddpm = try scheduler(.ddpm)
        try ddpm.setTimesteps(10)
        #expect(message { _ = try ddpm.step(sample, timestep: 900, sample: sample, noise: nil) }?.contains("needs noise") == true)
        // The last DDPM step adds no noise, so none is needed.
        _ = try ddpm.step(sample, timestep: 0, sample: sample, noise: nil)

        var ancestral = try scheduler(.eulerAncestral)
        try ancestral.setTimesteps(4)
        #expect(message { _ = try ancestral.step(sample, timestep: 999, sample: sample, noise: nil) } != nil)
        #expect(message { _ = try ancestral.step(sample, timestep: 999, sample: sample, noise: Tensor.zeros([1, 4])) }?
            .contains("noise shape") == true)

        var ddim = try DDIMScheduler(config: SchedulerConfig(kind: .ddim), eta: 0.5)
        #expect(ddim.isStochastic)
        try ddim.setTimesteps(4)
        #expect(message { _ = try ddim.step(sample, timestep: 750, sample: sample, noise: nil) }?.contains("eta") == true)
    }

    @Test func stepWithAGeneratorDrawsOnlyWhenStochastic() throws {
        var ancestral = try scheduler(.eulerAncestral)
        try ancestral.setTimesteps(3)
        var generator = RandomGenerator(seed: 1)
        let t = ancestral.timesteps[0]
        let drawn = try ancestral.step(sample, timestep: t, sample: sample, generator: &generator).prevSample
        #expect(generator.offset > 0)
        var replay = try scheduler(.eulerAncestral)
        try replay.setTimesteps(3)
        var same = RandomGenerator(seed: 1)
        let noise = Tensor.randn(sample.shape, generator: &same)
        #expect(try replay.step(sample, timestep: t, sample: sample, noise: noise).prevSample.scalars == drawn.scalars)

        var euler = try scheduler(.euler)
        try euler.setTimesteps(3)
        var untouched = RandomGenerator(seed: 1)
        _ = try euler.step(sample, timestep: euler.timesteps[0], sample: sample, generator: &untouched)
        #expect(untouched.offset == 0)
    }

    @Test func learnedVarianceNeedsTwiceTheChannels() throws {
        var ddpm = try scheduler(.ddpm) { $0.varianceType = "learned_range" }
        try ddpm.setTimesteps(5)
        let m = message { _ = try ddpm.step(sample, timestep: 800, sample: sample, noise: sample) }
        #expect(m?.contains("needs a model output of 8 channels") == true, "\(m ?? "no error")")
    }

    @Test func modelOutputShapeMustMatch() throws {
        for kind in SchedulerConfig.Kind.allCases {
            var s = try scheduler(kind)
            try s.setTimesteps(5)
            let m = message { _ = try s.step(Tensor.zeros([1, 3, 2, 2]), timestep: s.timesteps[0], sample: sample, noise: sample) }
            #expect(m?.contains("model output shape") == true, "\(kind): \(m ?? "no error")")
        }
    }

    @Test func rungeKuttaWarmUpNeedsFourSteps() throws {
        var pndm = try scheduler(.pndm) { $0.skipPrkSteps = false }
        #expect(message { try pndm.setTimesteps(3) }?.contains("at least 4") == true)
        try pndm.setTimesteps(4)
        #expect(pndm.timesteps.count == 4 + 9, "12 Runge–Kutta stages and 1 multistep step")
    }

    @Test func wrongClassForTheInitializer() {
        do {
            _ = try DDIMScheduler(config: SchedulerConfig(kind: .ddpm))
            Issue.record("accepted a DDPM config")
        } catch {
            #expect(error.field == "_class_name")
        }
        var config = SchedulerConfig(kind: .eulerAncestral)
        config.predictionType = "sample"
        do {
            _ = try config.makeScheduler()
            Issue.record("accepted prediction_type sample for Euler ancestral")
        } catch {
            #expect(error.field == "prediction_type")
        }
    }

    /// `setTimesteps` resets the multistep history, so a scheduler value can run twice.
    @Test func setTimestepsResetsHistory() throws {
        for kind in [SchedulerConfig.Kind.pndm, .dpmSolverMultistep, .euler] {
            var s = try scheduler(kind)
            func run() throws -> [Float] {
                try s.setTimesteps(6)
                var x = sample
                for t in s.timesteps { x = try s.step(0.1 * s.scaleModelInput(x, timestep: t), timestep: t, sample: x, noise: nil).prevSample }
                return x.scalars
            }
            let first = try run()
            #expect(try run() == first, "\(kind)")
        }
    }
}

/// Schedulers from a diffusers model folder, as shipped or as another class.
@Suite struct SchedulerFromModelFolderTests {
    @Test func shippedAndSwappedSchedulers() throws {
        let folder = try DiffusersModelFolder(path: FixturePaths.fixture("configs/sd15"))
        let pndm = try folder.scheduler()
        #expect(pndm is PNDMScheduler && pndm.config.stepsOffset == 1)
        var dpm = try folder.scheduler(as: .dpmSolverMultistep)
        #expect(dpm is DPMSolverMultistepScheduler)
        try dpm.setTimesteps(5)
        #expect(dpm.timesteps == [999, 799, 599, 400, 200], "DPM's own default spacing (linspace)")

        let upscaler = try DiffusersModelFolder(path: FixturePaths.fixture("configs/x4-upscaler"))
        #expect(try upscaler.scheduler(.lowResScheduler) is DDPMScheduler)
        // A swap the new class cannot take is an error naming the file and the field.
        let temporary = try TemporaryFolder("scheduler-folder")
        let schedulerFolder = temporary.url.appendingPathComponent("scheduler")
        try FileManager.default.createDirectory(at: schedulerFolder, withIntermediateDirectories: true)
        try Data(#"{"_class_name": "DDIMScheduler", "prediction_type": "sample"}"#.utf8)
            .write(to: schedulerFolder.appendingPathComponent("scheduler_config.json"))
        let custom = try DiffusersModelFolder(path: temporary.url.path)
        #expect(try custom.scheduler() is DDIMScheduler)
        do {
            _ = try custom.scheduler(as: .pndm)
            Issue.record("PNDM accepted prediction_type sample")
        } catch {
            #expect(error.path.hasSuffix("scheduler/scheduler_config.json"))
            #expect(error.field == "prediction_type")
        }
    }
}
