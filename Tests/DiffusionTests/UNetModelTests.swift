import Foundation
import SafeTensors
import Testing
import Tensor
import TestSupport
@testable import Diffusion

/// Names, folders and input checks of the UNet.
@Suite struct UNetModelTests {
    static let sdTiny = UNetFixtures.folder("unet", "sd_tiny") + "/unet"

    @Test func weightNamesMirrorDiffusers() throws {
        let model = try UNet2DConditionModel.load(folder: Self.sdTiny)
        let names = Set(model.namedParameters().map(\.name))
        for expected in ["down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.weight",
                         "down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_out.0.bias",
                         "down_blocks.0.attentions.0.transformer_blocks.0.ff.net.2.weight",
                         "down_blocks.0.downsamplers.0.conv.weight", "mid_block.resnets.1.conv2.bias",
                         "up_blocks.0.upsamplers.0.conv.weight", "time_embedding.linear_2.weight"] {
            #expect(names.contains(expected), "missing \(expected)")
        }
        #expect(!names.contains { $0.contains("attn1.to_q.bias") }, "attention q/k/v have no bias in diffusers")
    }

    @Test func saveThenLoadGivesTheSameModel() throws {
        let model = try UNet2DConditionModel.load(folder: Self.sdTiny)
        let temp = try TemporaryFolder()
        let folder = temp.url.appendingPathComponent("unet").path
        try model.save(folder: folder)
        let again = try UNet2DConditionModel.load(folder: folder)
        #expect(again.config == model.config)
        let original = model.stateDict()
        for (name, tensor) in again.stateDict() { #expect(tensor.scalars == original[name]?.scalars, "\(name)") }
        let json = try String(contentsOfFile: folder + "/config.json", encoding: .utf8)
        #expect(json.contains("\"_class_name\" : \"UNet2DConditionModel\""))
    }

    @Test func strictLoadNamesTheMissingTensor() throws {
        let temp = try TemporaryFolder()
        let folder = temp.url.path
        try FileManager.default.copyItem(atPath: Self.sdTiny + "/config.json", toPath: folder + "/config.json")
        let source = try SafeTensorsFile(path: Self.sdTiny + "/diffusion_pytorch_model.safetensors")
        var writer = SafeTensorsWriter(metadata: ["format": "pt"])
        for (name, tensor) in try source.floatTensors() where name != "mid_block.resnets.1.conv2.bias" {
            try writer.add(name, tensor)
        }
        try writer.write(to: folder + "/diffusion_pytorch_model.safetensors")
        #expect { try UNet2DConditionModel.load(folder: folder) } throws: { error in
            "\(error)".contains("mid_block.resnets.1.conv2.bias")
        }
    }

    @Test func strictLoadNamesExtraAndMisshapenTensors() throws {
        let source = try SafeTensorsFile(path: Self.sdTiny + "/diffusion_pytorch_model.safetensors").floatTensors()
        for (label, change) in [("extra", "conv_in.extra"), ("misshapen", "conv_out.bias")] {
            let temp = try TemporaryFolder()
            let folder = temp.url.path
            try FileManager.default.copyItem(atPath: Self.sdTiny + "/config.json", toPath: folder + "/config.json")
            var writer = SafeTensorsWriter(metadata: ["format": "pt"])
            for (name, tensor) in source where name != change { try writer.add(name, tensor) }
            try writer.add(change, Tensor.zeros([3]))
            try writer.write(to: folder + "/diffusion_pytorch_model.safetensors")
            #expect(throws: (any Error).self, "\(label)") { try UNet2DConditionModel.load(folder: folder) }
            do { _ = try UNet2DConditionModel.load(folder: folder) } catch {
                #expect("\(error)".contains(change), "\(label): \(error)")
            }
        }
    }

    @Test func inputErrorsNameTheInput() throws {
        let model = try UNet2DConditionModel.load(folder: UNetFixtures.folder("unet", "upscaler_tiny") + "/unet")
        let sample = Tensor.zeros([1, 7, 8, 8]), context = Tensor.zeros([1, 3, 12])
        #expect { try model.forward(sample: sample, timesteps: [1], encoderHiddenStates: context) } throws: {
            "\($0)".contains("class_labels")
        }
        #expect { try model.forward(sample: Tensor.zeros([1, 4, 8, 8]), timesteps: [1], encoderHiddenStates: context,
                                    classLabels: [0]) } throws: { "\($0)".contains("sample") }
        #expect { try model.forward(sample: Tensor.zeros([1, 7, 6, 6]), timesteps: [1], encoderHiddenStates: context,
                                    classLabels: [0]) } throws: { "\($0)".contains("divide by 4") }
    }
}

/// Half-precision saving, as diffusers' `variant="fp16"` folders hold.
@Suite struct UNetFloat16Tests {
    @Test func float16FolderLoadsBackWithinHalfPrecision() throws {
        let model = try UNet2DConditionModel.load(folder: UNetModelTests.sdTiny)
        let temp = try TemporaryFolder()
        try model.save(folder: temp.url.path, as: .float16)
        let again = try UNet2DConditionModel.load(folder: temp.url.path)
        let original = model.stateDict()
        for (name, tensor) in again.stateDict() {
            let reference = try #require(original[name])
            #expect(UNetFixtures.relativeError(tensor, reference) < 1e-3, "\(name)")
        }
    }
}
