import Diffusion
import Foundation
import Imaging
import Pipeline
import Pretraining
import Tensor

/// `kind: class-images` — the prior-preservation set: `num_class_images` samples of the class prompt from the
/// frozen base model, as diffusers' DreamBooth scripts make them before training. Image i comes from seed + i alone,
/// and each is cached on its own under the model's content, the prompt, the sampler settings and its seed, so
/// raising the count keeps the images made so far, an interrupted run resumes, and two pipelines asking for the
/// same class share them. Output `images`: class-0000.png, class-0001.png, …
struct ClassImagesKind: DreamBoothKind {
    let name = "class-images"
    let version = 1
    let pathKeys = ["model"]

    func declareOutputs(of stage: StageSpec, in pipeline: PipelineSpec) throws -> [OutputDeclaration] {
        [OutputDeclaration(name: "images", form: .published(fileName: "images", isFolder: true))]
    }

    func run(_ job: StageJob) throws -> [String: PlainValue] {
        let p = StageParameters(job.stage)
        let modelURL = try p.path("model", in: job)
        let settings = try SamplingSettings(p, steps: 25, guidance: 7.5)
        let prompt = try p.string("class_prompt", default: "")
        let count = try p.int("num_class_images", default: 100)
        let batchSize = max(try p.int("sample_batch_size", default: 4), 1)
        let seed = try seed(job)
        let folder = job.outputURL("images")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)

        let modelHash = try job.contentHash(of: modelURL)
        func identity(_ i: Int) -> PlainValue {
            .object(["kind": .string(name), "version": .int(version), "model": .string(modelHash), "prompt": .string(prompt),
                     "settings": settings.identity, "seed": .string(String(seed &+ UInt64(i)))])
        }
        func file(_ i: Int) -> URL { folder.appendingPathComponent(String(format: "class-%04d.png", i)) }

        let missing = (0..<count).filter { !job.isMemoized(identity($0)) }
        job.progress.line("\(count - missing.count) of \(count) class images cached; making \(missing.count)")
        var model: StableDiffusion?
        let started = Date()
        for (b, start) in stride(from: 0, to: missing.count, by: batchSize).enumerated() {
            try job.checkCancellation()
            let items = Array(missing[start..<min(start + batchSize, missing.count)])
            if model == nil { model = try StageModels.stableDiffusion(modelURL, scheduler: settings.schedulerKind, stage: job.stage) }
            let images = Image.images(from: try settings.generate(model!, prompt: prompt, seeds: items.map { seed &+ UInt64($0) },
                                                                  job: job, phase: "class images \(start)/\(missing.count)"))
            for (i, image) in zip(items, images) {
                try job.memoized(identity(i), at: file(i)) { try PNGEncoder.write(image, to: $0.path) }
            }
            let done = start + items.count
            let rate = Double(done) / max(Date().timeIntervalSince(started), 1e-9)
            job.progress.status(String(format: "class images %d/%d  %.2f img/s  ETA %@", done, missing.count, rate,
                                       StageProgress.duration(Double(missing.count - done) / rate)), log: b % 10 == 9 || done == missing.count)
        }
        for i in 0..<count where !missing.contains(i) {
            try job.memoized(identity(i), at: file(i)) { _ in
                throw PipelineError.failed("class image \(i) left the cache while the stage ran")
            }
        }
        job.report(figure: "images", .int(count))
        job.report(figure: "made", .int(missing.count))
        return [:]
    }
}
