import Diffusion
import Foundation
import Pipeline
import Testing

/// models/toyworld/ came from pipelines/toyworld-pretrain.yaml: every stage key in its stages.json is the key the
/// pipeline file gives today (root stages from their inputs alone, the others from the upstream output hashes the
/// card records), and every shipped folder loads strictly.
@Suite struct ShippedModelsTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let models = root.appendingPathComponent("models/toyworld")

    struct Card: Decodable {
        struct Stage: Decodable {
            var key: String
            var outputs: [String: String]
        }
        var stages: [String: Stage]
    }

    @Test func stageKeysMatchThePipelineFile() throws {
        let card = try JSONDecoder().decode(Card.self, from: Data(contentsOf: Self.models.appendingPathComponent("stages.json")))
        let loaded = try PipelineLoader.load(file: PretrainPipelineTests.file, kinds: PretrainPipelineTests.kinds)
        let store = FileManager.default.temporaryDirectory.appendingPathComponent("card-\(UUID().uuidString)")
        let runner = Runner(pipeline: loaded, store: Store(root: store), display: ProgressDisplay(quiet: true),
                            dbrunVersion: "test")
        let fingerprints = card.stages.mapValues { $0.outputs.mapValues { PlainValue.string($0) } }
        #expect(Set(card.stages.keys) == Set(loaded.spec.stages.map(\.name)))
        for stage in loaded.spec.stages {
            let key = try runner.key(for: stage, upstreamFingerprints: fingerprints)
            #expect(key.value == card.stages[stage.name]?.key, "stage '\(stage.name)': the card's key is not the pipeline's")
        }
    }

    @Test func everyShippedFolderLoadsStrictly() throws {
        let base = try StableDiffusion(folder: Self.models.appendingPathComponent("base").path)
        let upscaler = try StableDiffusionUpscale(folder: Self.models.appendingPathComponent("upscaler").path)
        _ = try ImageTextScorer(folder: Self.models.appendingPathComponent("clip").path)
        _ = try DINOScorer(folder: Self.models.appendingPathComponent("identity").path)
        #expect(base.defaultImageSize == 64)
        #expect(upscaler.vaeScale == 4)
    }

    /// What fine-tuning publishes: a shipped folder saved elsewhere loads there (its tokenizer files are links to
    /// models/clip-tokenizer; the copy holds their contents).
    @Test func shippedFoldersSaveToAFolderThatStandsAlone() throws {
        let target = FileManager.default.temporaryDirectory.appendingPathComponent("resaved-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: target) }
        let upscaler = try StableDiffusionUpscale(folder: Self.models.appendingPathComponent("upscaler").path)
        try upscaler.save(folder: target.appendingPathComponent("upscaler").path, as: .float16)
        try StableDiffusion(folder: Self.models.appendingPathComponent("base").path)
            .save(folder: target.appendingPathComponent("base").path, as: .float16)
        _ = try StableDiffusionUpscale(folder: target.appendingPathComponent("upscaler").path)
        _ = try StableDiffusion(folder: target.appendingPathComponent("base").path)
    }
}
