import Foundation
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

    @Test func wrongImageSizeIsNamed() throws {
        let model = try CLIPVisionModel(folder: try ParityCase("clip/vision_model").folder)
        #expect { try model(Tensor.zeros([1, 3, 32, 32])) } throws: {
            "\($0)".contains("pixel_values") && "\($0)".contains("[N, 3, 16, 16]")
        }
    }
}
