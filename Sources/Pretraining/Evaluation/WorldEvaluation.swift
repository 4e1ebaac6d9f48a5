import Diffusion
import Foundation
import Imaging
import Tensor
import ToyWorld

/// `dbrun world eval`: the quality gates of the embedded world's models, on fresh held-out renders. Each part runs
/// when its models are given; every figure is reported beside its gate and whether it passed.
public struct WorldEvaluation {
    /// Model folders (any may be nil: its part is skipped, as are parts that need it).
    public struct Models {
        /// The VAE that decodes 256×256 images (the upscaler's; SD's ×4 upscaler ships its own too): the gated one.
        public var vae: String?
        /// The base model's VAE, reported at 64×64 (where it works) and at 256×256, without a gate.
        public var baseVAE: String?
        public var base: String?
        public var upscaler: String?
        /// The evaluator CLIP (a CLIPModel folder with tokenizer and preprocessor).
        public var clip: String?
        /// The identity encoder (a ViTModel folder with preprocessor).
        public var identity: String?
        public init(vae: String? = nil, baseVAE: String? = nil, base: String? = nil, upscaler: String? = nil, clip: String? = nil,
                    identity: String? = nil) {
            self.vae = vae
            self.baseVAE = baseVAE
            self.base = base
            self.upscaler = upscaler
            self.clip = clip
            self.identity = identity
        }
    }

    /// How many images each part uses (fewer for a quick look, more for tighter figures).
    public struct Sizes: Sendable {
        public var vaeImages = 32
        public var clipImages = 240
        public var identitySubjectsPerClass = 9
        public var samplesPerPrompt = 2
        public var diversitySamples = 8
        public var fidRenders = 96
        public var upscalerImages = 16
        public var samplingSteps = 25
        public var guidance: Float = 5
        public init() {}
    }

    public var models: Models
    public var seed: UInt64
    public var sizes = Sizes()
    /// Where to write the sample grids (`base-samples.png`: one sample of every class × context;
    /// `upscaler-samples.png`: rows of low-res input, bicubic, upscaled, original); nil for none.
    public var gridFolder: URL?
    /// Progress lines ("base: sampling 48 prompts…").
    public var log: (String) -> Void = { _ in }

    public init(models: Models, seed: UInt64) {
        self.models = models
        self.seed = seed
    }

    /// A figure with its gate: passed when the figure is at least `minimum` (or within `within` of `reference`).
    public struct Gate: Codable, Sendable {
        public var value: Double
        public var gate: String
        public var passed: Bool

        static func atLeast(_ value: Double, _ minimum: Double) -> Gate {
            Gate(value: rounded(value), gate: "≥ \(minimum)", passed: value >= minimum)
        }
        static func above(_ value: Double, _ reference: Double, by margin: Double, name: String) -> Gate {
            Gate(value: rounded(value), gate: "≥ \(name) + \(margin) (\(rounded(reference + margin)))", passed: value >= reference + margin)
        }
        static func within(_ value: Double, of reference: Double, _ tolerance: Double, name: String) -> Gate {
            Gate(value: rounded(value), gate: "within \(tolerance) of \(name) (\(rounded(reference)))", passed: abs(value - reference) <= tolerance)
        }
    }

    static func rounded(_ x: Double) -> Double { (x * 10_000).rounded() / 10_000 }

    public struct Report: Codable, Sendable {
        public var seed: UInt64
        public var vae: VAEReport?
        public var baseVAE: BaseVAEReport?
        public var clip: CLIPReport?
        public var identity: IdentityReport?
        public var base: BaseReport?
        public var upscaler: UpscalerReport?
        /// Whether every gate that was measured passed.
        public var passed: Bool
        enum CodingKeys: String, CodingKey { case seed, vae, baseVAE = "base_vae", clip, identity, base, upscaler, passed }
    }

    public struct VAEReport: Codable, Sendable {
        public var images: Int
        public var psnrDB: Gate
        enum CodingKeys: String, CodingKey { case images, psnrDB = "psnr_db" }
    }

    public struct BaseVAEReport: Codable, Sendable {
        public var images: Int
        public var psnrDBAt64: Double
        public var psnrDBAt256: Double
        enum CodingKeys: String, CodingKey { case images, psnrDBAt64 = "psnr_db_at_64", psnrDBAt256 = "psnr_db_at_256" }
    }

    public struct CLIPReport: Codable, Sendable {
        public var images: Int
        public var classAccuracy: Gate
        public var contextAccuracy: Gate
        /// The class among "a photo of a {class} {context}" with each image's own context: tells a text tower that
        /// misreads bare prompts from a vision tower that cannot see the class.
        public var classAccuracyGivenContext: Double
        enum CodingKeys: String, CodingKey {
            case images, classAccuracy = "class_accuracy", contextAccuracy = "context_accuracy"
            case classAccuracyGivenContext = "class_accuracy_given_context"
        }
    }

    public struct IdentityReport: Codable, Sendable {
        public var subjects: Int
        public var top1Retrieval: Gate
        enum CodingKeys: String, CodingKey { case subjects, top1Retrieval = "top1_retrieval" }
    }

    public struct BaseReport: Codable, Sendable {
        public var samples: Int
        public var classAccuracy: Gate
        public var contextAccuracy: Gate
        /// Mean pairwise identity similarity of "a photo of a {class}" samples, against real random instances'.
        public var diversity: Gate
        public var realDiversity: Double
        /// Fréchet distance to renders in the evaluator CLIP's image-embedding space, and between two render sets.
        public var frechetToRenders: Double
        public var frechetRendersToRenders: Double
        enum CodingKeys: String, CodingKey {
            case samples, classAccuracy = "class_accuracy", contextAccuracy = "context_accuracy", diversity
            case realDiversity = "real_diversity", frechetToRenders = "frechet_to_renders"
            case frechetRendersToRenders = "frechet_renders_to_renders"
        }
    }

    public struct UpscalerReport: Codable, Sendable {
        public var images: Int
        public var psnrDB: Gate
        public var bicubicPSNRDB: Double
        public var identitySimilarity: Gate
        public var bicubicIdentitySimilarity: Double
        enum CodingKeys: String, CodingKey {
            case images, psnrDB = "psnr_db", bicubicPSNRDB = "bicubic_psnr_db"
            case identitySimilarity = "identity_similarity", bicubicIdentitySimilarity = "bicubic_identity_similarity"
        }
    }

    /// Runs every part whose models are given.
    public func run() throws -> Report {
        var report = Report(seed: seed, passed: true)
        if let vae = models.vae {
            report.vae = VAEReport(images: sizes.vaeImages, psnrDB: .atLeast(try reconstructionPSNR(vae, size: 256), 28))
        }
        if let vae = models.baseVAE {
            report.baseVAE = BaseVAEReport(images: sizes.vaeImages, psnrDBAt64: Self.rounded(try reconstructionPSNR(vae, size: 64)),
                                           psnrDBAt256: Self.rounded(try reconstructionPSNR(vae, size: 256)))
        }
        let clip = try models.clip.map { try ImageTextScorer(folder: $0) }
        let identity = try models.identity.map { try DINOScorer(folder: $0) }
        if let clip { report.clip = try evaluateCLIP(clip) }
        if let identity { report.identity = try evaluateIdentity(identity) }
        if let base = models.base, let clip, let identity {
            report.base = try evaluateBase(base, clip: clip, identity: identity)
        }
        if let upscaler = models.upscaler, let identity { report.upscaler = try evaluateUpscaler(upscaler, identity: identity) }
        let gates: [Gate] = [report.vae?.psnrDB, report.clip?.classAccuracy, report.clip?.contextAccuracy,
                             report.identity?.top1Retrieval, report.base?.classAccuracy, report.base?.contextAccuracy,
                             report.base?.diversity, report.upscaler?.psnrDB, report.upscaler?.identitySimilarity].compactMap { $0 }
        report.passed = gates.allSatisfy(\.passed)
        return report
    }

    // MARK: - Parts

    /// Mean PSNR of the VAE's reconstructions (latent means, clamped) of held-out renders at `size`×`size`.
    func reconstructionPSNR(_ folder: String, size: Int) throws -> Double {
        log("vae: reconstructing \(sizes.vaeImages) renders at \(size)×\(size) with \(folder)")
        let vae = try AutoencoderKL.load(folder: folder)
        let scenes = HeldOutScenes.scenes(count: sizes.vaeImages, seed: seed ^ 0xA1)
        var psnrs: [Double] = []
        for start in stride(from: 0, to: scenes.count, by: 4) {
            let part = Array(scenes[start..<min(start + 4, scenes.count)])
            let pixels = WorldBatches.pixels(part, size: size)
            let decoded = try noGrad { try vae.decode(try vae.encode(pixels).mean) }
            let per = 3 * size * size
            let a = pixels.scalars, b = decoded.scalars
            for n in 0..<part.count {
                var squared = 0.0
                for i in n * per..<(n + 1) * per {
                    let d = Double((min(max(b[i], -1), 1) - a[i]) / 2)
                    squared += d * d
                }
                psnrs.append(Self.psnr(meanSquared: squared / Double(per)))
            }
        }
        return psnrs.reduce(0, +) / Double(psnrs.count)
    }

    func evaluateCLIP(_ clip: ImageTextScorer) throws -> CLIPReport {
        log("clip: zero-shot class and context of \(sizes.clipImages) renders")
        let scenes = HeldOutScenes.scenes(count: sizes.clipImages, seed: seed ^ 0xB2)
        let images = ToyWorld.renderImages(scenes, size: 64)
        let (classes, contexts) = try zeroShot(clip, images: images, classes: scenes.map(\.worldClass))
        let classRight = zip(classes, scenes).filter { $0 == $1.worldClass }.count
        let contextRight = zip(contexts, scenes).filter { $0 == $1.context }.count
        let embeddings = try clip.imageEmbeddings(images)
        var givenContextRight = 0
        for (i, scene) in scenes.enumerated() {
            let prompts = WorldClass.allCases.map { "a photo of " + Captions.withArticle($0.noun) + " " + scene.context.phrase }
            let scores = EmbeddingSimilarity.cosines(embeddings.slice(axis: 0, i..<i + 1), try clip.textEmbeddings(prompts))[0]
            if WorldClass.allCases[Self.argmax(scores)] == scene.worldClass { givenContextRight += 1 }
        }
        return CLIPReport(images: scenes.count,
                          classAccuracy: .atLeast(Double(classRight) / Double(scenes.count), 0.95),
                          contextAccuracy: .atLeast(Double(contextRight) / Double(scenes.count), 0.90),
                          classAccuracyGivenContext: Self.rounded(Double(givenContextRight) / Double(scenes.count)))
    }

    /// The evaluator's choice of class among "a photo of a {class}", and of context among
    /// "a photo of a {class} {context}" with each image's given class.
    func zeroShot(_ clip: ImageTextScorer, images: [Image], classes: [WorldClass]) throws -> ([WorldClass], [WorldContext]) {
        let imageEmbeddings = try clip.imageEmbeddings(images)
        let classPrompts = WorldClass.allCases.map { "a photo of " + Captions.withArticle($0.noun) }
        let classScores = EmbeddingSimilarity.cosines(imageEmbeddings, try clip.textEmbeddings(classPrompts))
        var contextTable: [WorldClass: Tensor] = [:]
        for worldClass in WorldClass.allCases {
            contextTable[worldClass] = try clip.textEmbeddings(WorldContext.allCases.map {
                "a photo of " + Captions.withArticle(worldClass.noun) + " " + $0.phrase
            })
        }
        var predictedContexts: [WorldContext] = []
        for (i, worldClass) in classes.enumerated() {
            let row = imageEmbeddings.slice(axis: 0, i..<i + 1)
            let scores = EmbeddingSimilarity.cosines(row, contextTable[worldClass]!)[0]
            predictedContexts.append(WorldContext.allCases[Self.argmax(scores)])
        }
        return (classScores.map { WorldClass.allCases[Self.argmax($0)] }, predictedContexts)
    }

    func evaluateIdentity(_ identity: DINOScorer) throws -> IdentityReport {
        let subjects = HeldOutScenes.distinctSubjects(perClass: sizes.identitySubjectsPerClass, seed: seed ^ 0xC3)
        log("identity: top-1 retrieval among \(subjects.count) held-out subjects across contexts")
        let contexts = WorldContext.allCases
        var queries: [Scene] = [], gallery: [Scene] = []
        for (k, id) in subjects.enumerated() {
            let first = Int(HeldOutScenes.mix(seed ^ 0xC4, k) % UInt64(contexts.count))
            let second = (first + 1 + Int(HeldOutScenes.mix(seed ^ 0xC5, k) % UInt64(contexts.count - 1))) % contexts.count
            queries.append(Scene(id, in: contexts[first], variation: HeldOutScenes.mix(seed ^ 0xC6, k)))
            gallery.append(Scene(id, in: contexts[second], variation: HeldOutScenes.mix(seed ^ 0xC7, k)))
        }
        let a = try identity.embeddings(ToyWorld.renderImages(queries, size: 256))
        let b = try identity.embeddings(ToyWorld.renderImages(gallery, size: 256))
        let similarities = EmbeddingSimilarity.cosines(a, b)
        let right = similarities.enumerated().filter { Self.argmax($0.element) == $0.offset }.count
        return IdentityReport(subjects: subjects.count, top1Retrieval: .atLeast(Double(right) / Double(subjects.count), 0.90))
    }

    func evaluateBase(_ folder: String, clip: ImageTextScorer, identity: DINOScorer) throws -> BaseReport {
        let sd = try StableDiffusion(folder: folder, scheduler: .ddim)
        var prompts: [String] = [], classes: [WorldClass] = [], contexts: [WorldContext] = []
        for worldClass in WorldClass.allCases {
            for context in WorldContext.allCases {
                for _ in 0..<sizes.samplesPerPrompt {
                    prompts.append("a photo of " + Captions.withArticle(worldClass.noun) + " " + context.phrase)
                    classes.append(worldClass)
                    contexts.append(context)
                }
            }
        }
        log("base: sampling \(prompts.count) images of every class × context")
        let samples = try sample(sd, prompts: prompts, seed: seed ^ 0xD4)
        let (predictedClasses, predictedContexts) = try zeroShot(clip, images: samples, classes: classes)
        if let gridFolder {
            let first = stride(from: 0, to: samples.count, by: sizes.samplesPerPrompt).map { $0 }
            let grid = Grid.make(first.map { samples[$0] }, captions: first.map { "\(classes[$0].noun) \(contexts[$0].rawValue)" },
                                 options: GridOptions(columns: WorldContext.allCases.count, margin: 4, captionLines: 1))
            try PNGEncoder.write(grid, to: gridFolder.appendingPathComponent("base-samples.png").path)
        }
        let classRight = zip(predictedClasses, classes).filter { $0 == $1 }.count
        let contextRight = zip(predictedContexts, contexts).filter { $0 == $1 }.count

        log("base: sampling \(sizes.diversitySamples) images of each bare class prompt for diversity")
        var sampleDiversity: [Double] = [], realDiversity: [Double] = []
        for (c, worldClass) in WorldClass.allCases.enumerated() {
            let bare = try sample(sd, prompts: Array(repeating: "a photo of " + Captions.withArticle(worldClass.noun),
                                                     count: sizes.diversitySamples), seed: seed ^ 0xD5 &+ UInt64(c) << 20)
            sampleDiversity.append(EmbeddingSimilarity.meanPairwiseCosine(try identity.embeddings(bare)))
            let real = (0..<sizes.diversitySamples).map { k in
                Scene(HeldOutScenes.subject(worldClass, 1000 + k, seed: seed ^ 0xD6), in: HeldOutScenes.context(k, seed: seed ^ 0xD7, WorldContext.allCases),
                      variation: HeldOutScenes.mix(seed ^ 0xD8, k))
            }
            realDiversity.append(EmbeddingSimilarity.meanPairwiseCosine(try identity.embeddings(ToyWorld.renderImages(real, size: 64))))
        }
        let sampleMean = sampleDiversity.reduce(0, +) / Double(sampleDiversity.count)
        let realMean = realDiversity.reduce(0, +) / Double(realDiversity.count)

        let rendersA = ToyWorld.renderImages(HeldOutScenes.scenes(count: sizes.fidRenders, seed: seed ^ 0xE1), size: 64)
        let rendersB = ToyWorld.renderImages(HeldOutScenes.scenes(count: sizes.fidRenders, seed: seed ^ 0xE2), size: 64)
        let embed = { (images: [Image]) throws -> [[Float]] in
            let e = try clip.imageEmbeddings(images)
            return (0..<images.count).map { Array(e.slice(axis: 0, $0..<$0 + 1).scalars) }
        }
        let renderEmbeddings = try embed(rendersA)
        return BaseReport(
            samples: samples.count,
            classAccuracy: .atLeast(Double(classRight) / Double(samples.count), 0.85),
            contextAccuracy: .atLeast(Double(contextRight) / Double(samples.count), 0.75),
            diversity: .within(sampleMean, of: realMean, 0.1, name: "real instances'"),
            realDiversity: Self.rounded(realMean),
            frechetToRenders: Self.rounded(FrechetDistance.between(try embed(samples), renderEmbeddings)),
            frechetRendersToRenders: Self.rounded(FrechetDistance.between(try embed(rendersB), renderEmbeddings)))
    }

    /// Images for `prompts`, one seed each, in batches of 8, at the model's own size.
    func sample(_ sd: StableDiffusion, prompts: [String], seed: UInt64) throws -> [Image] {
        let side = sd.defaultImageSize / sd.vaeScale
        var images: [Image] = []
        for start in stride(from: 0, to: prompts.count, by: 8) {
            let part = Array(prompts[start..<min(start + 8, prompts.count)])
            let request = TextToImageRequest(prompts: part, seeds: (0..<part.count).map { seed &+ UInt64(start + $0) },
                                             steps: sizes.samplingSteps, guidanceScale: sizes.guidance,
                                             latentHeight: side, latentWidth: side)
            let result = try sd.textToImage.generate(request)
            images += Image.images(from: result.images!)
        }
        return images
    }

    func evaluateUpscaler(_ folder: String, identity: DINOScorer) throws -> UpscalerReport {
        let upscaler = try StableDiffusionUpscale(folder: folder, scheduler: .ddim)
        let scenes = HeldOutScenes.scenes(count: sizes.upscalerImages, seed: seed ^ 0xF1)
        log("upscaler: ×\(upscaler.vaeScale) on \(scenes.count) held-out 64→256 pairs")
        let high = ToyWorld.renderImages(scenes, size: 256)
        let low = high.map { $0.downsampled(by: upscaler.vaeScale, filter: .box) }
        let bicubic = low.map { $0.resized(width: 256, height: 256, filter: .bicubic) }
        var upscaled: [Image] = []
        for (k, image) in low.enumerated() {
            let request = UpscaleRequest(images: Tensor(images: [image]) * 2 - 1,
                                         prompts: ["a photo of " + Captions.withArticle(scenes[k].worldClass.noun)],
                                         seeds: [seed &+ UInt64(k)], steps: sizes.samplingSteps, guidanceScale: 1, noiseLevel: 20)
            upscaled += Image.images(from: try upscaler.upscaler.upscale(request).images!)
        }
        if let gridFolder {
            let shown = min(8, high.count)
            let rows = [low.map { $0.resized(width: 256, height: 256, filter: .box) }, bicubic, upscaled, high]
            let tiles = rows.flatMap { $0.prefix(shown) }
            let labels = ["low-res input", "bicubic", "upscaled", "original"].flatMap { Array(repeating: $0, count: shown) }
            try PNGEncoder.write(Grid.make(tiles, captions: labels, options: GridOptions(columns: shown, margin: 4, captionLines: 1)),
                                 to: gridFolder.appendingPathComponent("upscaler-samples.png").path)
        }
        let psnr = zip(upscaled, high).map { Self.psnr($0, $1) }.reduce(0, +) / Double(high.count)
        let bicubicPSNR = zip(bicubic, high).map { Self.psnr($0, $1) }.reduce(0, +) / Double(high.count)
        let reference = try identity.embeddings(high)
        let similarity = EmbeddingSimilarity.meanDiagonalCosine(try identity.embeddings(upscaled), reference)
        let bicubicSimilarity = EmbeddingSimilarity.meanDiagonalCosine(try identity.embeddings(bicubic), reference)
        return UpscalerReport(images: high.count,
                              psnrDB: .above(psnr, bicubicPSNR, by: 2, name: "bicubic"), bicubicPSNRDB: Self.rounded(bicubicPSNR),
                              identitySimilarity: .above(similarity, bicubicSimilarity, by: 0, name: "bicubic"),
                              bicubicIdentitySimilarity: Self.rounded(bicubicSimilarity))
    }

    // MARK: - Figures

    static func psnr(meanSquared: Double) -> Double { 10 * log10(1 / max(meanSquared, 1e-12)) }

    static func psnr(_ a: Image, _ b: Image) -> Double {
        var squared = 0.0
        for (x, y) in zip(a.pixels, b.pixels) {
            let d = Double(min(max(x, 0), 1) - y)
            squared += d * d
        }
        return psnr(meanSquared: squared / Double(a.pixels.count))
    }

    static func argmax(_ values: [Float]) -> Int { values.indices.max { values[$0] < values[$1] }! }
}
