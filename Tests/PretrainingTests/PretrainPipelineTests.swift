import Foundation
import Pipeline
import Pretraining
import Testing

/// The shipped pretraining pipeline is a valid pipeline of these kinds, every stage trains a model, and the
/// stages that evaluation and DreamBooth read exist under their names.
@Suite struct PretrainPipelineTests {
    static let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("pipelines/toyworld-pretrain.yaml").path

    static var kinds: StageKindRegistry {
        var registry = StageKindRegistry.builtIn
        for kind in PretrainingKinds.all { registry.register(kind) }
        return registry
    }

    @Test func validatesAndDeclaresEveryModel() throws {
        let loaded = try PipelineLoader.load(file: Self.file, kinds: Self.kinds)
        let names = Set(loaded.spec.stages.map(\.name))
        #expect(names.isSuperset(of: ["clip", "vae", "sr_vae", "base", "upscaler", "evaluator_clip", "identity"]))
        for stage in loaded.spec.stages where stage.kind.hasPrefix("train-") {
            #expect(loaded.outputs[stage.name]?.map(\.name).sorted() == ["logs", "model"], "\(stage.name)")
        }
        // base and upscaler read the text encoder and VAEs the pipeline trains, not files from elsewhere; the
        // upscaler has a VAE of its own, as SD's ×4 upscaler has.
        #expect(Set(loaded.graph.upstream["base"] ?? []) == ["clip", "vae"])
        #expect(Set(loaded.graph.upstream["upscaler"] ?? []) == ["clip", "sr_vae"])
    }
}
