import Foundation
import Testing
import Tensor
@testable import Diffusion

/// LoRA files written by diffusers from PEFT adapters (`scripts/reference/fixtures_lora.py`) — PEFT keys, the
/// DreamBooth script's `lora.down` / `lora_linear_layer.down` spelling — and the same adapters in kohya's layout
/// reproduce PyTorch's adapted outputs.
@Suite struct LoRAParityTests {
    static let tolerance: Float = 1e-4

    @Test(arguments: ["pytorch_lora_weights.safetensors", "dreambooth.safetensors", "kohya.safetensors"])
    func textEncoderLoRAMatchesPEFT(file: String) throws {
        let fixture = try ParityCase("lora/text_encoder")
        let model = try CLIPTextModel(folder: fixture.folder + "/model")
        let ids = try fixture.rows("input_ids")
        let base = try noGrad { try model(ids) }
        #expect(relativeError(base.lastHiddenState, try fixture.tensor("base_last_hidden_state")) < Self.tolerance)

        let loaded = try LoRA.load(fixture.folder + "/" + file, into: [.textEncoder: model])
        let adapters = try #require(loaded[.textEncoder])
        #expect(loaded.count == 1 && adapters.entries.count == 10)
        #expect(adapters.entries.allSatisfy { $0.adapter.rank == 4 && $0.adapter.alpha == 8 })
        #expect(adapters.config.rank == 4 && adapters.config.alpha == 8)
        if !file.hasPrefix("kohya") {
            #expect(Set(adapters.config.targetModules) == ["q_proj", "k_proj", "v_proj", "out_proj", "fc1"])
        }
        let out = try noGrad { try model(ids) }
        #expect(relativeError(out.lastHiddenState, try fixture.tensor("last_hidden_state")) < Self.tolerance)
        #expect(relativeError(out.pooledOutput, try fixture.tensor("pooler_output")) < Self.tolerance)
        #expect(relativeError(out.lastHiddenState, base.lastHiddenState) > 1e-2)
    }

    /// A UNet LoRA on every attention projection (`to_out.0` included) and on the 1×1 and 3×3 convolutions, read
    /// onto a tree with diffusers' UNet names: each branch matches PEFT's on a probe input.
    @Test(arguments: ["pytorch_lora_weights.safetensors", "dreambooth.safetensors", "kohya.safetensors"])
    func unetLoRAMatchesPEFTOnEveryModule(file: String) throws {
        let fixture = try ParityCase("lora/unet")
        let probes = LinearTree.probeNames(fixture)
        // 4 transformer blocks (down, mid, 2 up) × 2 attentions × 4 projections, proj_in/out of 4 transformers,
        // conv1 of 8 resnets.
        #expect(probes.count == 32 + 8 + 8)
        #expect(probes.contains("down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_out.0"))
        #expect(probes.contains("up_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k"))
        #expect(probes.contains("mid_block.resnets.1.conv1") && probes.contains("up_blocks.1.attentions.1.proj_out"))
        let tree = try LinearTree(probesOf: fixture)
        let adapters = try #require(try LoRA.load(fixture.folder + "/" + file, into: [.unet: tree])[.unet])
        #expect(adapters.names.sorted() == probes)
        #expect(adapters.config.rank == 2 && adapters.config.alpha == 3)
        #expect(adapters["mid_block.resnets.1.conv1"]?.down.shape.count == 4)
        for name in probes {
            let adapter = try #require(adapters[name])
            let x = try fixture.tensor("probe.\(name).x")
            let delta = noGrad { adapter(x) }
            #expect(relativeError(delta, try fixture.tensor("probe.\(name).delta")) < Self.tolerance, "\(name)")
        }
    }

    /// The same files loaded into the real UNet2DConditionModel (the fixture's diffusers folder) reproduce
    /// diffusers' output of the adapted UNet (`adapted_sample`), end to end: every adapter sits on the module
    /// diffusers put it on and the adapted forward composes them as PEFT does.
    @Test(arguments: ["pytorch_lora_weights.safetensors", "dreambooth.safetensors", "kohya.safetensors"])
    func unetLoRAReproducesDiffusersAdaptedSample(file: String) throws {
        let fixture = try ParityCase("lora/unet")
        let model = try UNet2DConditionModel.load(folder: fixture.folder + "/model")
        let sample = try fixture.tensor("sample"), context = try fixture.tensor("encoder_hidden_states")
        let timesteps = try fixture.io.integers("timestep").map(Float.init)
        #expect(timesteps == [10])
        func run() throws -> Tensor {
            try noGrad { try model.forward(sample: sample, timesteps: timesteps, encoderHiddenStates: context) }
        }
        let base = try run()
        let adapters = try #require(try LoRA.load(fixture.folder + "/" + file, into: [.unet: model])[.unet])
        #expect(adapters.entries.count == 48)
        let adapted = try run()
        let expected = try fixture.tensor("adapted_sample")
        #expect(relativeError(adapted, expected) < Self.tolerance, "\(relativeError(adapted, expected))")
        // The adapters move the output well past the tolerance, so a LoRA left off would fail.
        #expect(relativeError(base, expected) > 1e-2)
    }
}
