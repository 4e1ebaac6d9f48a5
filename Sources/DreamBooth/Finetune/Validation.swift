import Diffusion
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Imaging
import Pipeline
import Pretraining
import Training

/// diffusers' `--validation_prompt`: every `validation_steps` steps (and after the last), `num_validation_images`
/// samples of the prompt from the weights as they are, at fixed seeds, as one captioned grid. Grids go to the work
/// folder first, so a resumed run keeps the ones made before it, and into `logs/validation/` at the end.
struct Validation {
    let model: StableDiffusion
    let prompt: String?
    let every: Int
    let seeds: [UInt64]
    let settings = SamplingSettings(steps: 25, guidance: 7.5)
    let job: StageJob

    init(_ p: StageParameters, job: StageJob, model: StableDiffusion) throws {
        self.model = model
        self.job = job
        prompt = p.node("validation_prompt").map { job.render($0) }
        every = max(try p.int("validation_steps", default: 100), 1)
        let count = try p.int("num_validation_images", default: 4)
        let seed = UInt64(truncatingIfNeeded: try p.int("seed", default: job.seed))
        seeds = (0..<UInt64(max(count, 0))).map { seed &+ 0x7A11 &+ $0 }
    }

    var folder: URL { job.resumeFolder.appendingPathComponent("validation") }

    func afterStep(_ report: TrainingReport) throws {
        guard let prompt, !seeds.isEmpty, report.step % every == 0 || report.step == report.totalSteps else { return }
        let images = Image.images(from: try settings.generate(model, prompt: prompt, seeds: seeds, job: job,
                                                              phase: "validation at step \(report.step)"))
        let grid = Grid.make(images, captions: seeds.map { "step \(report.step) seed \($0)" })
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent(String(format: "step-%06d.png", report.step))
        let temporary = folder.appendingPathComponent(".\(file.lastPathComponent).partial")
        try PNGEncoder.write(grid, to: temporary.path)
        guard rename(temporary.path, file.path) == 0 else { throw PipelineError.failed("cannot write \(file.path)") }
        job.progress.line("validation: '\(prompt)' at step \(report.step) → \(file.lastPathComponent)")
    }

    func publish(into logs: URL) throws {
        guard FileManager.default.fileExists(atPath: folder.path) else { return }
        try FileManager.default.copyItem(at: folder, to: logs.appendingPathComponent("validation"))
    }
}
