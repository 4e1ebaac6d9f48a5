import Foundation
import Testing
import Tensor
@testable import Diffusion

private let realSizeFolder = ProcessInfo.processInfo.environment["DBRUN_CLIP_REALSIZE_DIR"]

/// Real-size parity (SD 1.5's text encoder, OpenAI CLIP ViT-L/14, DINO ViT-S/16, random weights), run by hand:
/// `fixtures_clip.py --real-size DIR` writes the 2.5 GB of models, then
/// `DBRUN_CLIP_REALSIZE_DIR=DIR swift test --filter CLIPRealSizeTests`. Skipped in CI, where DIR is unset.
@Suite(.enabled(if: realSizeFolder != nil)) struct CLIPRealSizeTests {
    static var folder: String? { realSizeFolder }

    func fixture(_ name: String) throws -> ParityCase {
        let path = try #require(Self.folder) + "/" + name
        return try ParityCase(absolute: path)
    }

    func report(_ label: String, _ actual: Tensor, _ expected: Tensor, since start: Date) {
        let error = relativeError(actual, expected)
        print("real-size \(label): relative error \(error) (\(String(format: "%.1f", Date().timeIntervalSince(start))) s with loading)")
        #expect(error < 1e-4, "\(label)")
    }

    @Test func sd15TextEncoder() throws {
        let start = Date()
        let f = try fixture("sd15_text_encoder")
        let model = try CLIPTextModel(folder: f.folder)
        let ids = try f.rows("input_ids")
        let forward = Date()
        let out = try noGrad { try model(ids) }
        print("real-size sd15 text forward, batch 2×77: \(String(format: "%.3f", Date().timeIntervalSince(forward))) s")
        report("sd15 text last_hidden_state", out.lastHiddenState, try f.tensor("last_hidden_state"), since: start)
        report("sd15 text pooler_output", out.pooledOutput, try f.tensor("pooler_output"), since: start)
        let penultimate = try noGrad { try model.hiddenStates(ids, index: -2) }
        report("sd15 text hidden_states[-2]", penultimate, try f.tensor("penultimate"), since: start)
    }

    @Test func clipViTLarge() throws {
        let start = Date()
        let f = try fixture("clip_vit_large")
        let model = try CLIPModel(folder: f.folder)
        let out = try noGrad { try model(inputIDs: f.rows("input_ids"), pixels: f.tensor("pixel_values")) }
        report("clip-vit-large text_embeds", out.textEmbeds, try f.tensor("text_embeds"), since: start)
        report("clip-vit-large image_embeds", out.imageEmbeds, try f.tensor("image_embeds"), since: start)
        report("clip-vit-large logits_per_image", out.logitsPerImage, try f.tensor("logits_per_image"), since: start)
    }

    @Test func dinoViTSmall() throws {
        let start = Date()
        let f = try fixture("dino_vits16")
        let model = try ViTModel(folder: f.folder)
        let pixels = try f.tensor("pixel_values")
        let forward = Date()
        let out = try noGrad { try model(pixels) }
        print("real-size dino-vits16 forward, batch 2×224²: \(String(format: "%.3f", Date().timeIntervalSince(forward))) s")
        report("dino-vits16 last_hidden_state", out.lastHiddenState, try f.tensor("last_hidden_state"), since: start)
    }
}
