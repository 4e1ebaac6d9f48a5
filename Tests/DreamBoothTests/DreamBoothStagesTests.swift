import Diffusion
import DiffusionTestSupport
import DreamBooth
import Foundation
import Imaging
import Pipeline
import Tensor
import Testing
import TestSupport
import ToyWorld

/// Every DreamBooth kind, run through the runner on tiny random models (16-pixel base, ×4 upscaler, tiny CLIP and
/// DINO): what each publishes loads back, training changes the weights, reruns are cached, and the same pipeline
/// gives the same bytes.
@Suite(.serialized) struct DreamBoothStagesTests {
    /// A workspace with the tiny models and two photos of one world dog (one a JPEG stored sideways with EXIF).
    static func workspace() throws -> TemporaryFolder {
        let folder = try TemporaryFolder("dbrun-dreambooth")
        try TinyStableDiffusion.write(to: folder.url.appendingPathComponent("sd"))
        try TinyStableDiffusionUpscale.write(to: folder.url.appendingPathComponent("up"))
        try TinyEvaluators.writeCLIP(to: folder.url.appendingPathComponent("clip"))
        try TinyEvaluators.writeDINO(to: folder.url.appendingPathComponent("dino"))
        let photos = folder.url.appendingPathComponent("photos")
        try FileManager.default.createDirectory(at: photos, withIntermediateDirectories: true)
        for (i, context) in [WorldContext.beach, .snow].enumerated() {
            let image = ToyWorld.render(Scene(SubjectID(.dog, 7), in: context, variation: UInt64(i)), size: 64)
            try PNGEncoder.write(image, to: photos.appendingPathComponent("photo-\(i).png").path)
        }
        return folder
    }

    static func pipeline(classImages: Int = 2, lora: Bool = false, prompts: [String]? = nil) -> String {
        let prompts = prompts ?? ["a photo of ${identifier.token} dog", "a photo of a dog"]
        return """
        version: 1
        name: tiny
        seed: 0
        stages:
          identifier:
            kind: identifier
            with: {model: sd, class_noun: dog, candidates: 3, probe_images: 1, num_inference_steps: 2, max_prior: 100}
          class_images:
            kind: class-images
            with: {model: sd, class_prompt: a photo of a dog, num_class_images: \(classImages), num_inference_steps: 2, sample_batch_size: 2}
          finetune_base:
            kind: finetune-base
            with:
              model: sd
              instance_data_dir: photos
              instance_prompt: a photo of ${identifier.token} dog
              class_data_dir: ${class_images.images}
              class_prompt: a photo of a dog
              train_batch_size: 1
              max_train_steps: 3
              learning_rate: 1.0e-3
              checkpointing_steps: 2
              validation_prompt: a photo of ${identifier.token} dog
              validation_steps: 2
              num_validation_images: 1
              use_lora: \(lora)
              train_text_encoder: \(lora)
          finetune_sr:
            kind: finetune-sr
            with:
              model: up
              instance_data_dir: photos
              instance_prompt: a photo of ${identifier.token} dog
              crop_size: 32
              train_batch_size: 1
              max_train_steps: 2
              learning_rate: 1.0e-3
              use_lora: \(lora)
          sample:
            kind: sample
            with:
              model: ${finetune_base.model}
              upscaler: ${finetune_sr.model}
              prompts: &prompts [\(prompts.map { "\"\($0)\"" }.joined(separator: ", "))]
              num_images_per_prompt: 2
              num_inference_steps: 2
              upscale_num_inference_steps: 2
          baseline:
            kind: sample
            with: {model: sd, prompts: *prompts, num_images_per_prompt: 2, num_inference_steps: 2}
          sr_baseline:
            kind: sample
            with:
              model: ${finetune_base.model}
              upscaler: up
              prompts: ["a photo of ${identifier.token} dog"]
              num_images_per_prompt: 2
              num_inference_steps: 2
              upscale_num_inference_steps: 2
          evaluate:
            kind: evaluate
            with:
              instance_data_dir: photos
              samples: ${sample.images}
              baseline: ${baseline.images}
              sr_baseline: ${sr_baseline.images}
              identifier: ${identifier.token}
              dino: dino
              clip: clip
              training_logs: ["${finetune_base.logs}", "${finetune_sr.logs}"]
        """
    }

    static func run(_ folder: TemporaryFolder, _ text: String) throws -> [String: Runner.Outcome] {
        let file = try folder.write("tiny.yaml", text)
        let loaded = try PipelineLoader.load(file: file.path, kinds: DreamBoothKinds.registry)
        let runner = Runner(pipeline: loaded, store: Store(root: folder.url.appendingPathComponent(".dbrun")),
                            display: ProgressDisplay(quiet: true), dbrunVersion: "test")
        let result = runner.run(Runner.Options())
        if let error = result.error { throw error }
        return Dictionary(uniqueKeysWithValues: result.outcomes.map { ($0.stage, $0.outcome) })
    }

    static func outputs(_ folder: TemporaryFolder) -> URL { folder.url.appendingPathComponent("out/tiny") }

    /// Every file the pipeline published, by path, except the report page (it shows upstream run times).
    static func publishedBytes(_ folder: TemporaryFolder) throws -> [String: Data] {
        let root = outputs(folder)
        var found: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey])!
        for case let url as URL in enumerator where (try url.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true {
            let path = String(url.path.dropFirst(root.path.count))
            if path.hasSuffix("report/report.html") { continue }
            found[path] = try Data(contentsOf: url)
        }
        return found
    }

    static func tensor(_ folder: URL, _ name: String) throws -> [Float] {
        let unet = try UNet2DConditionModel.load(folder: folder.appendingPathComponent("unet").path)
        return try #require(unet.namedParameters().first { $0.name == name }).tensor.scalars
    }

    @Test func theWholePipelineRunsPublishesLoadableModelsAndCaches() throws {
        let folder = try Self.workspace()
        let outcomes = try Self.run(folder, Self.pipeline())
        #expect(outcomes.count == 8 && outcomes.values.allSatisfy { $0 == .ran }, "\(outcomes)")
        let out = Self.outputs(folder)

        let probed = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: out.appendingPathComponent("identifier/identifier.json"))) as? [String: Any])
        #expect((probed["probed"] as? [Any])?.isEmpty == false && probed["chosen"] != nil)
        let record = try #require(Store(root: folder.url.appendingPathComponent(".dbrun")).lastRecord(pipeline: "tiny", stage: "identifier"))
        let token = try #require(record.outputs["token"]?.value?.string)
        #expect((1...3).contains(token.count) && !token.contains(" "), "'\(token)'")

        // The fine-tuned folders load as their pipelines, and training moved the weights.
        let base = out.appendingPathComponent("finetune_base/model")
        _ = try StableDiffusion(folder: base.path)
        let weight = "conv_in.weight"
        #expect(try Self.tensor(base, weight) != Self.tensor(folder.url.appendingPathComponent("sd"), weight))
        let sr = out.appendingPathComponent("finetune_sr/model")
        _ = try StableDiffusionUpscale(folder: sr.path)
        #expect(try Self.tensor(sr, weight) != Self.tensor(folder.url.appendingPathComponent("up"), weight))
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("finetune_base/logs/validation/step-000002.png").path))
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("finetune_base/logs/validation/step-000003.png").path))

        // The samples: two prompts of two images, upscaled ×4, and a grid each.
        let first = try ImageDecoder.decode(contentsOf: out.appendingPathComponent("sample/images/p00/0000.png").path).image
        let low = try ImageDecoder.decode(contentsOf: out.appendingPathComponent("sample/images/p00/0000-lowres.png").path).image
        #expect(first.width == 4 * low.width && low.width == 16)
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("sample/grids/p01.png").path))

        // metrics.json holds the paper's keys for the model, the baseline and the real photos.
        let metrics = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("evaluate/metrics.json"))) as? [String: Any])
        for key in ["dino", "clip_i", "clip_t", "pres", "div"] {
            #expect(metrics[key] is Double, "\(key)")
            #expect((metrics["baseline"] as? [String: Any])?[key] is Double, "baseline \(key)")
        }
        #expect((metrics["real"] as? [String: Any])?["dino"] is Double)
        #expect((metrics["sr"] as? [String: Any])?["dino_without_sr_finetune"] is Double)
        #expect((metrics["checks"] as? [Any])?.count == 4)

        // The report opens offline: every image it shows is in its folder, and it loads nothing from elsewhere.
        let page = try String(contentsOf: out.appendingPathComponent("evaluate/report/report.html"), encoding: .utf8)
        let sources = page.components(separatedBy: "src=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
        #expect(sources.count >= 8)
        for source in sources {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("evaluate/report/\(source)").path), "\(source)")
        }
        #expect(!page.contains("http://") && !page.contains("https://") && !page.contains("<script"))
        #expect(page.contains("finetune_base") && page.contains(String(record.key.prefix(12))))

        // A rerun is all cached.
        #expect(try Self.run(folder, Self.pipeline()).values.allSatisfy { $0 == .cached })
    }

    @Test func samePipelineTwiceGivesTheSameBytesAndNewPromptsRerunOnlySampling() throws {
        let a = try Self.workspace(), b = try Self.workspace()
        _ = try Self.run(a, Self.pipeline())
        _ = try Self.run(b, Self.pipeline())
        let bytes = try Self.publishedBytes(a)
        #expect(bytes.count > 40)
        #expect(bytes == (try Self.publishedBytes(b)))

        let changed = try Self.run(a, Self.pipeline(prompts: ["a photo of ${identifier.token} dog", "a photo of ${identifier.token} dog in the snow",
                                                                "a photo of a dog"]))
        #expect(Set(changed.filter { $0.value == .ran }.keys) == ["sample", "baseline", "evaluate"], "\(changed)")
    }

    @Test func moreClassImagesMakeOnlyTheNewOnes() throws {
        let folder = try Self.workspace()
        _ = try Self.run(folder, Self.pipeline(classImages: 2))
        _ = try Self.run(folder, Self.pipeline(classImages: 3))
        let record = try #require(Store(root: folder.url.appendingPathComponent(".dbrun")).lastRecord(pipeline: "tiny", stage: "class_images"))
        #expect(record.figures?["made"] == .int(1))
        #expect(record.figures?["images"] == .int(3))
    }

    @Test func loraWritesDiffusersAndKohyaFilesThatLoad() throws {
        let folder = try Self.workspace()
        _ = try Self.run(folder, Self.pipeline(lora: true))
        let out = Self.outputs(folder)
        for stage in ["finetune_base", "finetune_sr"] {
            let lora = out.appendingPathComponent("\(stage)/lora")
            for name in [LoRA.diffusersWeightName, "lora_kohya.safetensors"] {
                let model = try StableDiffusion(folder: folder.url.appendingPathComponent("sd").path)
                let components: [LoRAComponent: Module] = stage == "finetune_base"
                    ? [.unet: model.unet, .textEncoder: model.textEncoder] : [:]
                guard !components.isEmpty else {
                    #expect(FileManager.default.fileExists(atPath: lora.appendingPathComponent(name).path), "\(stage) \(name)")
                    continue
                }
                _ = try LoRA.load(lora.appendingPathComponent(name).path, into: components)
            }
        }
        // The merged model differs from the untrained one: the adapters trained.
        let weight = "down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.weight"
        #expect(try Self.tensor(out.appendingPathComponent("finetune_base/model"), weight)
                != Self.tensor(folder.url.appendingPathComponent("sd"), weight))
    }
}
