import Foundation
import Testing
import Tensor
import TestSupport
@testable import Diffusion

/// The UNet against diffusers on tiny random configs loaded from real `save_pretrained` folders.
@Suite struct UNetParityTests {
    /// Runs one fixture case forward and backward; returns the relative errors by name.
    func run(_ name: String, checkpointing: Bool = false) throws -> [String: Float] {
        let io = try UNetFixtures.io("unet", name)
        let model = try UNet2DConditionModel.load(folder: UNetFixtures.folder("unet", name) + "/unet")
        model.gradientCheckpointing = checkpointing
        let sample = try #require(io["sample"]).requiringGrad()
        let labels = io["class_labels"].map { $0.scalars.map { Int($0) } }
        let out = try model.forward(sample: sample, timesteps: try #require(io["timesteps"]).scalars,
                                    encoderHiddenStates: try #require(io["encoder_hidden_states"]), classLabels: labels)
        let loss = Tensor.mseLoss(out, try #require(io["target"]))
        loss.backward()
        var errors = ["out": UNetFixtures.relativeError(out, try #require(io["out"])),
                      "loss": UNetFixtures.relativeError(loss.reshaped([1]), try #require(io["loss"]))]
        errors["grad.sample"] = UNetFixtures.relativeError(try #require(sample.grad), try #require(io["grad.sample"]))
        let parameters = model.stateDict()
        for (key, reference) in io where key.hasPrefix("grad.") && key != "grad.sample" {
            let parameter = try #require(parameters[String(key.dropFirst(5))], "no parameter for \(key)")
            errors[key] = UNetFixtures.relativeError(try #require(parameter.grad, "no gradient for \(key)"), reference)
        }
        return errors
    }

    @Test func sdTinyMatchesDiffusers() throws {
        let errors = try run("sd_tiny")
        #expect(errors.count > 10)
        for (name, error) in errors.sorted(by: { $0.key < $1.key }) { #expect(error < 1e-4, "\(name): \(error)") }
    }

    @Test func upscalerTinyMatchesDiffusers() throws {
        let errors = try run("upscaler_tiny")
        #expect(errors.count > 5)
        for (name, error) in errors.sorted(by: { $0.key < $1.key }) { #expect(error < 1e-4, "\(name): \(error)") }
    }

    @Test func gradientCheckpointingGivesTheSameGradients() throws {
        let errors = try run("sd_tiny", checkpointing: true)
        for (name, error) in errors.sorted(by: { $0.key < $1.key }) { #expect(error < 1e-4, "\(name): \(error)") }
    }
}
