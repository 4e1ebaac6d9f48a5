import Foundation
import Testing
import Tensor
@testable import Diffusion

/// `LoRAConfig` targeting and `LoRA.inject` on trees with diffusers' UNet names and on CLIPTextModel.
@Suite struct LoRAInjectTests {
    @Test func targetsMatchLikePEFT() {
        let config = LoRAConfig(rank: 2, targetModules: ["to_q", "to_out.0", "q_proj"])
        #expect(config.matches("down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q"))
        #expect(config.matches("to_q"))
        #expect(config.matches("mid_block.attentions.0.transformer_blocks.0.attn2.to_out.0"))
        #expect(config.matches("text_model.encoder.layers.1.self_attn.q_proj"))
        #expect(!config.matches("attn1.to_qx"))
        #expect(!config.matches("attn1.add_to_q"))
        #expect(!config.matches("attn1.to_out.00"))
        #expect(!config.matches("attn1.to_out"))
        #expect(config.scale == 1)
        #expect(LoRAConfig(rank: 4, alpha: 8, targetModules: ["x"]).scale == 2)
    }

    @Test func injectsIntoUNetNamedLayersAndChangesNothingAtFirst() throws {
        let tree = LinearTree.unetBlock()
        let before = snapshot(tree)
        var g = RandomGenerator(seed: 3)
        let x = Tensor.randn([2, 3, 8], generator: &g)
        let q = tree.layer("down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q")
        let out = tree.layer("down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_out.0")
        let baseQ = noGrad { q(x) }.scalars, baseOut = noGrad { out(x) }.scalars

        let config = LoRAConfig(rank: 4, alpha: 4, targetModules: LoRAConfig.unetAttentionTargets)
        let adapters = try LoRA.inject(into: tree, config: config, generator: &g)
        let p = "down_blocks.0.attentions.0.transformer_blocks.0"
        #expect(adapters.names == ["attn1.to_q", "attn1.to_k", "attn1.to_v", "attn1.to_out.0",
                                   "attn2.to_q", "attn2.to_k", "attn2.to_v", "attn2.to_out.0"].map { "\(p).\($0)" })
        // B starts at zero: the adapted layers compute exactly what they did.
        #expect(noGrad { q(x) }.scalars == baseQ)
        #expect(noGrad { out(x) }.scalars == baseOut)
        // A is kaiming-uniform(a = √5): inside ±1/√in, and not all zero.
        let a = adapters["\(p).attn2.to_k"]!.down
        #expect(a.shape == [4, 16] && a.scalars.allSatisfy { abs($0) <= 0.25 } && a.scalars.contains { $0 != 0 })
        #expect(adapters["\(p).attn2.to_k"]!.up.shape == [8, 4])
        // Only the adapters train; the base is frozen and its checkpoint names are unchanged.
        #expect(tree.trainableParameters().isEmpty)
        #expect(snapshot(tree) == before)
        #expect(adapters.namedParameters().count == 16 && adapters.trainableParameters().count == 16)
        #expect(adapters.namedParameters().first?.name == "\(p).attn1.to_q.lora_A.weight")
        #expect(tree.layer("\(p).ff.net.2").adapter == nil)
    }

    @Test func targetsTheCLIPTextEncoderProjections() throws {
        let model = try CLIPTextModel(folder: FixturePaths.fixture("lora/text_encoder/model"))
        var g = RandomGenerator(seed: 1)
        let config = LoRAConfig(rank: 2, targetModules: LoRAConfig.textEncoderAttentionTargets)
        let adapters = try LoRA.inject(into: model, config: config, generator: &g)
        #expect(adapters.entries.count == 4 * model.config.numHiddenLayers)
        #expect(adapters.names.first == "text_model.encoder.layers.0.self_attn.q_proj")
        #expect(adapters.names.allSatisfy { $0.contains(".self_attn.") })
        #expect(model.trainableParameters().isEmpty)
    }

    @Test func refusesTargetsThatMatchNothingAndDoubleInjection() throws {
        let tree = LinearTree.unetBlock()
        var g = RandomGenerator(seed: 1)
        #expect(throws: LoRAError.self) {
            try LoRA.inject(into: tree, config: LoRAConfig(rank: 2, targetModules: ["to_qq"]), generator: &g)
        }
        #expect(throws: LoRAError.self) {
            try LoRA.inject(into: tree, config: LoRAConfig(rank: 0, targetModules: ["to_q"]), generator: &g)
        }
        _ = try LoRA.inject(into: tree, config: LoRAConfig(rank: 2, targetModules: ["to_q"]), generator: &g)
        #expect(throws: LoRAError.self) {
            try LoRA.inject(into: tree, config: LoRAConfig(rank: 2, targetModules: ["attn1.to_q"]), generator: &g)
        }
    }

    @Test func mergeFoldsTheUpdateIntoTheWeightAndUnmergeRestoresIt() throws {
        let tree = LinearTree.unetBlock()
        var g = RandomGenerator(seed: 5)
        let adapters = try LoRA.inject(into: tree, config: LoRAConfig(rank: 3, alpha: 6, targetModules: ["to_v"]),
                                       generator: &g)
        randomizeUp(adapters, seed: 9)
        let name = "down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_v"
        let layer = tree.layer(name)
        let baseWeight = layer.weight.scalars
        let x = Tensor.randn([4, 16], generator: &g)
        let adapted = noGrad { layer(x) }
        let unadapted = noGrad { Tensor.linear(x, weight: layer.weight, bias: layer.bias) }
        #expect(relativeError(adapted, unadapted) > 1e-2)

        adapters.merge()
        #expect(adapters.isMerged && layer.adapter == nil)
        #expect(relativeError(noGrad { layer(x) }, adapted) < 1e-5)
        adapters.unmerge()
        #expect(layer.adapter === adapters[name])
        #expect(closenessOK(layer.weight.scalars, baseWeight))
        #expect(relativeError(noGrad { layer(x) }, adapted) < 1e-5)
        adapters.remove()
        #expect(layer.adapter == nil)
    }

    /// Convolutions take PEFT's conv LoRA: A a k×k convolution with the layer's stride and padding, B a 1×1 one;
    /// merging folds B·A into the kernel.
    @Test func convolutionAdaptersMergeIntoTheKernel() throws {
        let tree = try LinearTree(probesOf: try ParityCase("lora/unet"))
        var g = RandomGenerator(seed: 6)
        let adapters = try LoRA.inject(into: tree, config: LoRAConfig(rank: 2, alpha: 5, targetModules: ["conv1", "proj_in"]),
                                       generator: &g)
        #expect(adapters.entries.count == 8 + 4)
        randomizeUp(adapters, seed: 7)
        let conv = tree.adaptable("down_blocks.1.resnets.0.conv1") as! Conv2d
        #expect(adapters["down_blocks.1.resnets.0.conv1"]?.down.shape == [2, 8, 3, 3])
        #expect(adapters["down_blocks.1.resnets.0.conv1"]?.up.shape == [16, 2, 1, 1])
        let x = Tensor.randn([1, 8, 5, 5], generator: &g)
        let adapted = noGrad { conv(x) }
        #expect(relativeError(adapted, noGrad { Tensor.conv2d(x, weight: conv.weight, bias: conv.bias, padding: 1) }) > 1e-2)
        adapters.merge()
        #expect(relativeError(noGrad { conv(x) }, adapted) < 1e-5)
        adapters.unmerge()
        #expect(relativeError(noGrad { conv(x) }, adapted) < 1e-5)
    }

    private func closenessOK(_ a: [Float], _ b: [Float]) -> Bool {
        zip(a, b).allSatisfy { abs($0 - $1) <= 1e-6 * max(1, abs($1)) }
    }
}
