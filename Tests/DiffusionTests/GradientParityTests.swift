import Foundation
import SafeTensors
import Testing
import Tensor
import TestSupport
@testable import Diffusion

/// Backward passes against PyTorch: gradients w.r.t. the inputs and a few parameters of every layer kind, on the
/// committed tiny models and inputs (`scripts/reference/fixtures_gradients.py` writes each case's
/// `grad.safetensors`). The loss is Σ output ⊙ r for fixed random r (CLIPModel: its contrastive loss).
///
/// Tolerance: max |dbrun − torch| ≤ 1e-4 · max |torch| per tensor, the forward parity tests' measure; float32
/// backward through these 2-layer models agrees to under 5e-6 of that scale on the Prescott, Haswell and default
/// kernels.
@Suite struct GradientParityTests {
    static let tolerance: Float = 1e-4

    /// The case's gradient fixture, and its parameters' gradients compared by name; returns the errors.
    func compare(_ model: Module, _ reference: [String: Tensor], inputs: [String: Tensor]) throws -> [String: Float] {
        var errors: [String: Float] = [:]
        for (name, x) in inputs {
            errors["grad." + name] = relativeError(try #require(x.grad, "no gradient for \(name)"),
                                                   try #require(reference["grad." + name], "no reference for \(name)"))
        }
        let parameters = model.stateDict()
        for (key, expected) in reference where key.hasPrefix("grad.") && inputs[String(key.dropFirst(5))] == nil {
            let parameter = try #require(parameters[String(key.dropFirst(5))], "no parameter for \(key)")
            errors[key] = relativeError(try #require(parameter.grad, "no gradient for \(key)"), expected)
        }
        return errors
    }

    func expectClose(_ errors: [String: Float], atLeast count: Int) {
        #expect(errors.count >= count, "\(errors.keys.sorted())")
        for (name, error) in errors.sorted(by: { $0.key < $1.key }) {
            #expect(error < Self.tolerance, "\(name): relative error \(error)")
        }
    }

    /// Σ y ⊙ r for each named output against the stored r, and the stored loss.
    func weightedLoss(_ outputs: [String: Tensor], _ reference: [String: Tensor],
                      loss: String = "loss") throws -> Tensor {
        var total: Tensor?
        for (name, y) in outputs.sorted(by: { $0.key < $1.key }) {
            let term = (y * (try #require(reference["r." + name], "no r.\(name)"))).sum()
            total = total.map { $0 + term } ?? term
        }
        let l = try #require(total)
        #expect(relativeError(l.reshaped([1]), try #require(reference[loss])) < Self.tolerance, "\(loss)")
        return l
    }

    @Test func vaeEncoderMatchesDiffusers() throws {
        let reference = try Self.fixture("vae/vae_tiny")
        let io = try UNetFixtures.io("vae", "vae_tiny")
        let vae = try AutoencoderKL.load(folder: VAEParityTests.folder)
        let sample = try #require(io["sample"]).requiringGrad()
        let (mean, logvar) = try vae.encode(sample)
        try weightedLoss(["mean": mean, "logvar": logvar], reference, loss: "encode.loss").backward()
        let errors = try compare(vae, reference.filter { !$0.key.contains("decoder") && !$0.key.contains("post_quant")
                                                         && $0.key != "grad.latent" }, inputs: ["sample": sample])
        expectClose(errors, atLeast: 9)
    }

    @Test func vaeDecoderMatchesDiffusers() throws {
        let reference = try Self.fixture("vae/vae_tiny")
        let io = try UNetFixtures.io("vae", "vae_tiny")
        let vae = try AutoencoderKL.load(folder: VAEParityTests.folder)
        let latent = try #require(io["latent"]).requiringGrad()
        try weightedLoss(["decoded": try vae.decode(latent)], reference, loss: "decode.loss").backward()
        let errors = try compare(vae, reference.filter { $0.key.contains("decoder") || $0.key.contains("post_quant")
                                                         || $0.key == "grad.latent" }, inputs: ["latent": latent])
        expectClose(errors, atLeast: 8)
    }

    @Test func clipVisionModelMatchesTransformers() throws {
        let fixture = try ParityCase("clip/vision_model")
        let reference = try Self.fixture("clip/vision_model")
        let model = try CLIPVisionModel(folder: fixture.folder)
        let pixels = try fixture.tensor("pixel_values").requiringGrad()
        let out = try model(pixels)
        try weightedLoss(["last_hidden_state": out.lastHiddenState, "pooler_output": try #require(out.pooledOutput)],
                         reference).backward()
        expectClose(try compare(model, reference, inputs: ["pixel_values": pixels]), atLeast: 10)
    }

    /// transformers' `return_loss=True` on two images and the first two captions: the logit scale, both
    /// projections and both towers get gradients.
    @Test func clipContrastiveLossMatchesTransformers() throws {
        let fixture = try ParityCase("clip/clip_model")
        let reference = try Self.fixture("clip/clip_model")
        let model = try CLIPModel(folder: fixture.folder)
        let ids = Array(try fixture.rows("input_ids").prefix(2))
        #expect(ids.flatMap { $0 }.map(Float.init) == reference["input_ids"]?.scalars)
        let pixels = try fixture.tensor("pixel_values").requiringGrad()
        let out = try model(inputIDs: ids, pixels: pixels)
        #expect(relativeError(out.logitsPerImage, try #require(reference["logits_per_image"])) < Self.tolerance)
        let loss = CLIPModel.contrastiveLoss(logitsPerImage: out.logitsPerImage)
        #expect(relativeError(loss.reshaped([1]), try #require(reference["loss"])) < Self.tolerance)
        loss.backward()
        expectClose(try compare(model, reference, inputs: ["pixel_values": pixels]), atLeast: 11)
    }

    @Test func vitModelMatchesTransformers() throws {
        let fixture = try ParityCase("vit/vit_dino_layout")
        let reference = try Self.fixture("vit/vit_dino_layout")
        let model = try ViTModel(folder: fixture.folder)
        let pixels = try fixture.tensor("pixel_values").requiringGrad()
        let out = try model(pixels)
        try weightedLoss(["last_hidden_state": out.lastHiddenState, "pooler_output": try #require(out.pooledOutput)],
                         reference).backward()
        expectClose(try compare(model, reference, inputs: ["pixel_values": pixels]), atLeast: 10)
    }

    /// `Fixtures/<case>/grad.safetensors`.
    static func fixture(_ relative: String) throws -> [String: Tensor] {
        try SafeTensorsFile(path: FixturePaths.fixture(relative + "/grad.safetensors")).floatTensors()
    }
}
