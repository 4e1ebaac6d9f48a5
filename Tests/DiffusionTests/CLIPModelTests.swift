import Foundation
import SafeTensors
import Testing
import Tensor
import TestSupport
@testable import Diffusion

/// `CLIPVisionModel` and `CLIPModel` (projections, normalised embeddings, scaled logits) against transformers.
@Suite struct CLIPModelTests {
    static let tolerance: Float = 1e-4

    @Test func visionModelMatchesTransformers() throws {
        let fixture = try ParityCase("clip/vision_model")
        let model = try CLIPVisionModel(folder: fixture.folder)
        let out = try noGrad { try model(fixture.tensor("pixel_values")) }
        #expect(relativeError(out.lastHiddenState, try fixture.tensor("last_hidden_state")) < Self.tolerance)
        #expect(relativeError(try #require(out.pooledOutput), try fixture.tensor("pooler_output")) < Self.tolerance)
    }

    @Test func fullModelMatchesTransformers() throws {
        let fixture = try ParityCase("clip/clip_model")
        let model = try CLIPModel(folder: fixture.folder)
        #expect(model.logitScale.item == 2)
        let pixels = try fixture.tensor("pixel_values")
        let ids = try fixture.rows("input_ids")
        let out = try noGrad { try model(inputIDs: ids, pixels: pixels) }
        #expect(relativeError(out.textEmbeds, try fixture.tensor("text_embeds")) < Self.tolerance)
        #expect(relativeError(out.imageEmbeds, try fixture.tensor("image_embeds")) < Self.tolerance)
        #expect(relativeError(out.logitsPerImage, try fixture.tensor("logits_per_image")) < Self.tolerance)
        let vision = try noGrad { try model.visionModel(pixels) }
        #expect(relativeError(vision.lastHiddenState, try fixture.tensor("vision_last_hidden_state")) < Self.tolerance)
        // transformers 5 overwrites the text output's pooler_output with its projection: `get_text_features`.
        let text = try noGrad { try model.textFeatures(ids) }
        #expect(relativeError(text, try fixture.tensor("text_pooler_output")) < Self.tolerance)
    }

    /// Saved folders load back with identical outputs (and in transformers: `fixtures_clip.py --check-roundtrip`).
    @Test func saveLoadsBackIdentically() throws {
        let fixture = try ParityCase("clip/clip_model")
        let model = try CLIPModel(folder: fixture.folder)
        let temporary = try TemporaryFolder()
        let folder = temporary.url.appendingPathComponent("clip").path
        try model.save(folder: folder)
        if let keep = ProcessInfo.processInfo.environment["DBRUN_CLIP_ROUNDTRIP_DIR"] {
            try model.save(folder: keep + "/clip_model")
            try CLIPVisionModel(folder: try ParityCase("clip/vision_model").folder).save(folder: keep + "/vision_model")
        }
        let loaded = try CLIPConfig.load(path: folder + "/config.json")
        #expect(loaded.config == model.config && loaded.ignoredKeys.isEmpty)
        let again = try CLIPModel(folder: folder)
        let ids = try fixture.rows("input_ids"), pixels = try fixture.tensor("pixel_values")
        #expect(try noGrad { try again(inputIDs: ids, pixels: pixels).logitsPerImage.scalars
            == model(inputIDs: ids, pixels: pixels).logitsPerImage.scalars })

        let vision = try CLIPVisionModel(folder: try ParityCase("clip/vision_model").folder)
        try vision.save(folder: folder + "-vision")
        #expect(try SafeTensorsFile(path: folder + "-vision/model.safetensors").names.allSatisfy { $0.hasPrefix("vision_model.") })
        #expect(try noGrad { try CLIPVisionModel(folder: folder + "-vision")(pixels).lastHiddenState.scalars
            == vision(pixels).lastHiddenState.scalars })
    }

    @Test func wrongImageSizeIsNamed() throws {
        let model = try CLIPVisionModel(folder: try ParityCase("clip/vision_model").folder)
        #expect { try model(Tensor.zeros([1, 3, 32, 32])) } throws: {
            "\($0)".contains("pixel_values") && "\($0)".contains("[N, 3, 16, 16]")
        }
    }
}
