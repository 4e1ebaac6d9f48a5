import Foundation
import SafeTensors
import Testing
import Tensor
import TestSupport
@testable import Diffusion

/// `ViTModel` in DINO's layout against transformers.
@Suite struct ViTModelTests {
    @Test func matchesTransformers() throws {
        let fixture = try ParityCase("vit/vit_dino_layout")
        let model = try ViTModel(folder: fixture.folder)
        #expect(model.pooler != nil && model.config.layerNormEps == 1e-12)
        let pixels = try fixture.tensor("pixel_values")
        let out = try noGrad { try model(pixels) }
        let expected = try fixture.tensor("last_hidden_state")
        #expect(relativeError(out.lastHiddenState, expected) < 1e-4)
        #expect(relativeError(try #require(out.pooledOutput), try fixture.tensor("pooler_output")) < 1e-4)
        let cls = try noGrad { try model.classEmbedding(pixels) }
        #expect(relativeError(cls, expected.slice(axis: 1, 0..<1).reshaped([2, 24])) < 1e-4)
    }

    @Test func saveLoadsBackIdentically() throws {
        let fixture = try ParityCase("vit/vit_dino_layout")
        let model = try ViTModel(folder: fixture.folder)
        let temporary = try TemporaryFolder()
        try model.save(folder: temporary.url.path)
        if let keep = ProcessInfo.processInfo.environment["DBRUN_CLIP_ROUNDTRIP_DIR"] { try model.save(folder: keep + "/vit") }
        let loaded = try ViTConfig.load(path: temporary.url.path + "/config.json")
        #expect(loaded.config == model.config && loaded.ignoredKeys.isEmpty)
        let again = try ViTModel(folder: temporary.url.path)
        let pixels = try fixture.tensor("pixel_values")
        #expect(again.pooler != nil)
        #expect(try noGrad { try again(pixels).pooledOutput?.scalars == model(pixels).pooledOutput?.scalars })
    }

    /// A checkpoint without the pooler builds a model without one; the names mirror transformers' exactly.
    @Test func poolerFollowsTheFile() throws {
        let fixture = try ParityCase("vit/vit_dino_layout")
        let full = try ViTModel(folder: fixture.folder)
        let temporary = try TemporaryFolder()
        let folder = temporary.url.path
        try FileManager.default.copyItem(atPath: fixture.folder + "/config.json", toPath: folder + "/config.json")
        var writer = SafeTensorsWriter()
        for (name, tensor) in full.namedParameters() where !name.hasPrefix("pooler.") { try writer.add(name, tensor) }
        try writer.write(to: folder + "/model.safetensors")
        let bare = try ViTModel(folder: folder)
        #expect(bare.pooler == nil)
        let names = Set(bare.namedParameters().map(\.name))
        #expect(names.contains("encoder.layer.1.attention.attention.query.weight"))
        #expect(names.contains("encoder.layer.0.attention.output.dense.bias"))
        #expect(names.contains("embeddings.patch_embeddings.projection.weight"))
        let pixels = try fixture.tensor("pixel_values")
        #expect(try noGrad { try bare(pixels).lastHiddenState.scalars == full(pixels).lastHiddenState.scalars })
    }
}
