import Diffusion
import Foundation
import Imaging
import Pipeline
import Pretraining

/// `kind: evaluate` — the paper's metrics (`DreamBoothMetrics`) on a `sample` stage's images against the subject's
/// photos: for the fine-tuned model (`samples`), the un-tuned base on the same prompts (`baseline`), and the real
/// photos among themselves; with `sr_baseline` (the same low-resolution samples upscaled by the un-tuned upscaler),
/// the upscaler fine-tune's effect at full resolution. DINO comes from the `dino` folder (the world's identity
/// encoder, or a real DINO ViT in transformers layout), CLIP-I and CLIP-T from the `clip` folder.
///
/// Outputs: `metrics` (metrics.json) and `report` (report.html with its images: subject photos, grids beside the
/// baseline's, training curves, the metrics against baseline and real, time per stage, the resolved pipeline).
struct EvaluateKind: DreamBoothKind {
    let name = "evaluate"
    let version = 3
    let pathKeys = ["instance_data_dir", "samples", "baseline", "sr_baseline", "dino", "clip"]

    func declareOutputs(of stage: StageSpec, in pipeline: PipelineSpec) throws -> [OutputDeclaration] {
        [OutputDeclaration(name: "metrics", form: .published(fileName: "metrics.json", isFolder: false)),
         OutputDeclaration(name: "report", form: .published(fileName: "report", isFolder: true))]
    }

    func identity(of stage: StageSpec, in pipeline: PipelineSpec) throws -> StageIdentity {
        let p = StageParameters(stage)
        var inputs = p.inputPaths(pathKeys)
        inputs += (p.node("training_logs")?.array ?? []).compactMap(StageParameters.inputPath)
        return StageIdentity(parameters: stage.with.plain, inputs: inputs)
    }

    func run(_ job: StageJob) throws -> [String: PlainValue] {
        let p = StageParameters(job.stage)
        let identifier = p.node("identifier").map { job.render($0) } ?? ""
        guard !identifier.isEmpty else {
            throw PipelineError.invalid(at: p.node("identifier")?.location ?? job.stage.location,
                                        "stage '\(job.stage.name)' needs 'identifier' (e.g. ${identifier.token}) to tell subject prompts from class prompts")
        }
        let photos = try SubjectPhotos.load(try p.path("instance_data_dir", in: job), stage: job.stage.name, key: "instance_data_dir")
        let samples = try SampleSet.load(try p.path("samples", in: job), stage: job.stage, key: "samples")
        let baseline = try p.node("baseline").map { _ in try SampleSet.load(try p.path("baseline", in: job), stage: job.stage, key: "baseline") }
        let srBaseline = try p.node("sr_baseline").map { _ in try SampleSet.load(try p.path("sr_baseline", in: job), stage: job.stage, key: "sr_baseline") }
        if let baseline, baseline.prompts.map(\.prompt) != samples.prompts.map(\.prompt) {
            throw PipelineError.invalid(at: p.node("baseline")?.location, "stage '\(job.stage.name)': baseline's prompts differ from samples'")
        }

        job.progress.line("scoring \(samples.prompts.count) prompts against \(photos.count) photos")
        let scoring = try DreamBoothScoring(identity: try scorer(p, "dino", job: job) { try DINOScorer(folder: $0) },
                                            clip: try scorer(p, "clip", job: job) { try ImageTextScorer(folder: $0) },
                                            identifier: identifier, photos: photos)
        func metrics(_ set: SampleSet, key: String) throws -> DreamBoothMetrics {
            do { return try scoring.metrics(set.prompts.map { ($0.prompt, $0.baseImages) }) } catch let error as PipelineError {
                throw PipelineError.invalid(at: p.node(key)?.location, "stage '\(job.stage.name)': \(key): \(error.message)")
            }
        }
        let tuned = try metrics(samples, key: "samples")
        let untuned = try baseline.map { try metrics($0, key: "baseline") }
        var sr: EvaluationResult.SRMetrics?
        if let srBaseline {
            // Paired by prompt: the same low-resolution samples, upscaled with and without the fine-tune.
            let other = srBaseline.prompts.filter { scoring.isSubjectPrompt($0.prompt) && $0.lowres != nil }
            let upscaled = other.compactMap { entry in samples.prompts.first { $0.prompt == entry.prompt && $0.lowres != nil } }
            guard !other.isEmpty, upscaled.count == other.count else {
                throw PipelineError.invalid(at: p.node("sr_baseline")?.location,
                                            "stage '\(job.stage.name)': sr_baseline needs upscaled subject prompts that samples upscaled too")
            }
            sr = .init(dino: try scoring.dino(upscaled.flatMap(\.images)), dino_without_sr_finetune: try scoring.dino(other.flatMap(\.images)),
                       images: upscaled.reduce(0) { $0 + $1.images.count })
        }
        let result = EvaluationResult(identifier: identifier, tuned: tuned, baseline: untuned, real: scoring.real(), sr: sr,
                                      checks: EvaluationResult.checks(tuned: tuned, baseline: untuned, sr: sr),
                                      samples: samples.prompts.reduce(0) { $0 + $1.images.count })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(result).write(to: job.outputURL("metrics"))
        for check in result.checks {
            job.progress.line("\(check.passed ? "✓" : "✗") \(check.claim): \(check.detail)")
        }
        for (name, value) in [("dino", tuned.dino), ("clip_i", tuned.clip_i), ("clip_t", tuned.clip_t), ("div", tuned.div)] {
            job.report(figure: name, .double((value * 1e4).rounded() / 1e4))
        }

        let logs = (p.node("training_logs")?.array ?? []).map { job.pipeline.resolve(job.render($0)) }
        try DreamBoothReport(job: job, result: result, photos: photos, samples: samples, baseline: baseline,
                             srBaseline: srBaseline, trainingLogs: logs).write(to: job.outputURL("report"))
        return [:]
    }

    /// A scorer from the folder a path parameter names; a folder that does not load is the stage's input error.
    func scorer<S>(_ p: StageParameters, _ key: String, job: StageJob, _ load: (String) throws -> S) throws -> S {
        let url = try p.path(key, in: job)
        do { return try load(url.path) } catch {
            throw PipelineError.invalid(at: SourceLocation(file: url.path), "stage '\(job.stage.name)': \(key): \(error)")
        }
    }
}
