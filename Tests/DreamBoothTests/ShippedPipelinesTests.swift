import DreamBooth
import Foundation
import Pipeline
import Testing

/// The shipped DreamBooth pipelines validate with the CLI's kinds, and the ablations repeat dog.yaml's stages
/// exactly, so they share its cache instead of training them again.
struct ShippedPipelinesTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func load(_ relative: String) throws -> LoadedPipeline {
        try PipelineLoader.load(file: root.appendingPathComponent(relative).path, kinds: DreamBoothKinds.registry)
    }

    @Test func dogAndItsAblationsValidateAndShareStages() throws {
        let dog = try Self.load("pipelines/dog.yaml")
        let ablations = try Self.load("pipelines/dog-ablations.yaml")
        #expect(dog.spec.name == ablations.spec.name && dog.spec.seed == ablations.spec.seed)
        for stage in dog.spec.stages {
            let twin = try #require(ablations.spec.stage(stage.name), "dog-ablations.yaml lacks '\(stage.name)'")
            #expect(twin.kind == stage.kind && twin.body.plain == stage.body.plain, "'\(stage.name)' differs from dog.yaml's")
        }
        #expect(Set(ablations.graph.upstream["ablations"] ?? []) == ["evaluate", "evaluate_no_prior", "evaluate_wrong_noun", "evaluate_no_noun"])
    }

    /// The sweep's variants start from dog.yaml's own identifier, class images, baseline and fine-tune, word for
    /// word, so they share its cache and its figures compare with dog.yaml's.
    @Test func sweepSharesDogsStages() throws {
        let dog = try Self.load("pipelines/dog.yaml")
        let sweep = try Self.load("pipelines/dog-sweep.yaml")
        #expect(dog.spec.seed == sweep.spec.seed)
        for name in ["identifier", "class_images", "baseline", "finetune_base"] {
            let stage = try #require(dog.spec.stage(name))
            let twin = try #require(sweep.spec.stage(name), "dog-sweep.yaml lacks '\(name)'")
            #expect(twin.kind == stage.kind && twin.body.plain == stage.body.plain, "'\(name)' differs from dog.yaml's")
        }
        for stage in sweep.spec.stages where dog.spec.stage(stage.name) != nil {
            #expect(["identifier", "class_images", "baseline", "finetune_base"].contains(stage.name),
                    "'\(stage.name)' shares a name with a dog.yaml stage it does not repeat")
        }
    }
}
