import Foundation
import SafeTensors
import Testing
import Tensor
import TestSupport
@testable import Diffusion

/// Saving adapters in diffusers' and kohya's layouts: key spelling, the `lora_adapter_metadata` header, round trips,
/// the older diffusers spellings, and errors that name the key.
@Suite struct LoRAFileTests {
    let unetPrefix = "down_blocks.0.attentions.0.transformer_blocks.0"

    /// A text encoder and a UNet-named tree with trained-looking adapters (alpha ≠ rank).
    func adaptedPair(seed: UInt64) throws -> (CLIPTextModel, LinearTree, [LoRAComponent: LoRAAdapters]) {
        let text = try CLIPTextModel(folder: FixturePaths.fixture("lora/text_encoder/model"))
        let unet = LinearTree.unetBlock(unetPrefix)
        var g = RandomGenerator(seed: seed)
        let te = try LoRA.inject(into: text, config: LoRAConfig(rank: 4, alpha: 2,
                                                               targetModules: LoRAConfig.textEncoderAttentionTargets),
                                 generator: &g)
        let un = try LoRA.inject(into: unet, config: LoRAConfig(rank: 2, alpha: 6,
                                                               targetModules: LoRAConfig.unetAttentionTargets),
                                 generator: &g)
        randomizeUp(te, seed: seed + 1)
        randomizeUp(un, seed: seed + 2)
        return (text, unet, [.textEncoder: te, .unet: un])
    }

    func outputs(_ text: CLIPTextModel, _ unet: LinearTree) throws -> [Float] {
        var g = RandomGenerator(seed: 99)
        let x = Tensor.randn([3, 8], generator: &g)
        let y = noGrad { unet.layer("\(unetPrefix).attn1.to_out.0")(unet.layer("\(unetPrefix).attn1.to_q")(x)) }
        return try noGrad { try text([[60, 3, 9, 61]]).lastHiddenState }.scalars + y.scalars
    }

    @Test func diffusersLayoutUsesPEFTKeysAndWritesTheConfig() throws {
        let (text, unet, adapters) = try adaptedPair(seed: 1)
        let folder = try TemporaryFolder()
        let path = folder.url.appendingPathComponent(LoRA.diffusersWeightName).path
        try LoRA.save(adapters, to: path, format: .diffusers)

        let file = try SafeTensorsFile(path: path)
        #expect(file.names.count == 2 * (8 + 8))
        #expect(file.contains("text_encoder.text_model.encoder.layers.0.self_attn.q_proj.lora_A.weight"))
        #expect(file.contains("text_encoder.text_model.encoder.layers.1.self_attn.out_proj.lora_B.weight"))
        #expect(file.contains("unet.\(unetPrefix).attn1.to_out.0.lora_A.weight"))
        #expect(file.contains("unet.\(unetPrefix).attn2.to_k.lora_B.weight"))
        #expect(try file.info("unet.\(unetPrefix).attn2.to_k.lora_A.weight").shape == [2, 16])
        #expect(file.metadata["format"] == "pt")
        let json = try #require(file.metadata["lora_adapter_metadata"])
        let meta = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(meta["unet.r"] as? Int == 2 && meta["unet.lora_alpha"] as? Int == 6)
        #expect(meta["text_encoder.r"] as? Int == 4 && meta["text_encoder.lora_alpha"] as? Int == 2)
        #expect(meta["unet.target_modules"] as? [String] == ["to_k", "to_out.0", "to_q", "to_v"])
        #expect(meta["text_encoder.peft_type"] as? String == "LORA")

        let expected = try outputs(text, unet)
        let (text2, unet2, _) = try adaptedPair(seed: 1)
        adapters.values.forEach { $0.remove() }
        for set in [text2, unet2] as [Module] {
            for (_, layer) in LoRA.adaptableLayers(of: set) { layer.adapter = nil }
        }
        #expect(try outputs(text2, unet2) != expected)
        let loaded = try LoRA.load(folder.url.path, into: [.textEncoder: text2, .unet: unet2])
        #expect(loaded[.unet]?.config.alpha == 6 && loaded[.textEncoder]?.config.targetModules.count == 4)
        #expect(try outputs(text2, unet2) == expected)
    }

    @Test func kohyaLayoutFlattensNamesAndStoresAlpha() throws {
        let (text, unet, adapters) = try adaptedPair(seed: 5)
        let folder = try TemporaryFolder()
        let path = folder.url.appendingPathComponent("lora.safetensors").path
        try LoRA.save(adapters, to: path, format: .kohya, as: .float16)

        let file = try SafeTensorsFile(path: path)
        #expect(file.names.count == 3 * (8 + 8))
        let te = "lora_te_text_model_encoder_layers_0_self_attn_q_proj"
        let un = "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_out_0"
        #expect(file.contains("\(te).lora_down.weight") && file.contains("\(te).lora_up.weight"))
        #expect(try file.floats("\(te).alpha") == [2])
        #expect(try file.floats("\(un).alpha") == [6])
        #expect(try file.info("\(un).lora_up.weight").shape == [8, 2])
        #expect(file.metadata["ss_network_module"] == "networks.lora")

        // Read back onto fresh models: F16 storage rounds the weights, so compare to a tolerance.
        let expected = try outputs(text, unet)
        let text2 = try CLIPTextModel(folder: FixturePaths.fixture("lora/text_encoder/model"))
        let unet2 = LinearTree.unetBlock(unetPrefix)
        let loaded = try LoRA.load(path, into: [.textEncoder: text2, .unet: unet2])
        #expect(loaded[.unet]?.names == adapters[.unet]?.names)
        #expect(loaded[.textEncoder]?["text_model.encoder.layers.0.self_attn.q_proj"]?.alpha == 2)
        let got = try outputs(text2, unet2)
        #expect(closeness(got, expected, atol: 1e-2, rtol: 1e-2) <= 1)
    }

    /// Per-module alphas (from a kohya file) survive a save in diffusers' layout, which has one alpha per model.
    @Test func diffusersLayoutFoldsDifferingAlphasIntoB() throws {
        let unet = LinearTree.unetBlock(unetPrefix)
        var g = RandomGenerator(seed: 3)
        let a = Tensor.randn([2, 8], generator: &g), b = Tensor.randn([8, 2], generator: &g)
        let c = Tensor.randn([2, 8], generator: &g), d = Tensor.randn([8, 2], generator: &g)
        let folder = try TemporaryFolder()
        let kohya = folder.url.appendingPathComponent("k.safetensors").path
        var writer = SafeTensorsWriter()
        let q = "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q"
        let v = "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_v"
        try writer.add("\(q).lora_down.weight", a)
        try writer.add("\(q).lora_up.weight", b)
        try writer.add("\(q).alpha", shape: [], integers: [1])  // diffusers' converter writes int64 alphas
        try writer.add("\(v).lora_down.weight", c)
        try writer.add("\(v).lora_up.weight", d)
        try writer.add("\(v).alpha", Tensor(scalar: 4))
        try writer.write(to: kohya)
        let loaded = try #require(try LoRA.load(kohya, into: [.unet: unet])[.unet])
        #expect(loaded["\(unetPrefix).attn1.to_q"]?.scale == 0.5 && loaded["\(unetPrefix).attn1.to_v"]?.scale == 2)

        let x = Tensor.randn([3, 8], generator: &g)
        let qName = "\(unetPrefix).attn1.to_q", vName = "\(unetPrefix).attn1.to_v"
        let expected = noGrad { unet.layer(qName)(x).scalars + unet.layer(vName)(x).scalars }
        let path = folder.url.appendingPathComponent("d.safetensors").path
        try LoRA.save([.unet: loaded], to: path)
        let fresh = LinearTree.unetBlock(unetPrefix)
        _ = try LoRA.load(path, into: [.unet: fresh])
        let got = noGrad { fresh.layer(qName)(x).scalars + fresh.layer(vName)(x).scalars }
        #expect(closeness(got, expected) <= 1)
    }

    /// diffusers' `convert_state_dict_to_diffusers` spellings and the pre-PEFT processor spelling load onto the
    /// same modules; transformers-5 text keys without `text_model.` find dbrun's `text_model.` layers.
    @Test func readsOlderDiffusersSpellings() throws {
        let text = try CLIPTextModel(folder: FixturePaths.fixture("lora/text_encoder/model"))
        let unet = LinearTree.unetBlock(unetPrefix)
        var g = RandomGenerator(seed: 4)
        var writer = SafeTensorsWriter()
        let spellings: [(String, String, String)] = [
            ("unet.\(unetPrefix).attn1.to_q.lora.down.weight", "unet.\(unetPrefix).attn1.to_q.lora.up.weight", "\(unetPrefix).attn1.to_q"),
            ("unet.\(unetPrefix).attn2.processor.to_out_lora.down.weight", "unet.\(unetPrefix).attn2.processor.to_out_lora.up.weight", "\(unetPrefix).attn2.to_out.0"),
            ("text_encoder.text_model.encoder.layers.0.self_attn.q_proj.lora_linear_layer.down.weight",
             "text_encoder.text_model.encoder.layers.0.self_attn.q_proj.lora_linear_layer.up.weight",
             "text_model.encoder.layers.0.self_attn.q_proj"),
            ("text_encoder.text_model.encoder.layers.1.self_attn.to_v_lora.down.weight",
             "text_encoder.text_model.encoder.layers.1.self_attn.to_v_lora.up.weight",
             "text_model.encoder.layers.1.self_attn.v_proj"),
            ("text_encoder.encoder.layers.1.mlp.fc2.lora_A.weight", "text_encoder.encoder.layers.1.mlp.fc2.lora_B.weight",
             "text_model.encoder.layers.1.mlp.fc2"),
        ]
        let sizes: [String: (Int, Int)] = ["\(unetPrefix).attn1.to_q": (8, 8), "\(unetPrefix).attn2.to_out.0": (8, 8),
                                           "text_model.encoder.layers.0.self_attn.q_proj": (32, 32),
                                           "text_model.encoder.layers.1.self_attn.v_proj": (32, 32),
                                           "text_model.encoder.layers.1.mlp.fc2": (48, 32)]
        for (down, up, module) in spellings {
            let (inF, outF) = sizes[module]!
            try writer.add(down, Tensor.randn([2, inF], generator: &g))
            try writer.add(up, Tensor.randn([outF, 2], generator: &g))
        }
        let folder = try TemporaryFolder()
        let path = folder.url.appendingPathComponent("old.safetensors").path
        try writer.write(to: path)
        let loaded = try LoRA.load(path, into: [.unet: unet, .textEncoder: text])
        #expect(loaded[.unet]?.names == ["\(unetPrefix).attn1.to_q", "\(unetPrefix).attn2.to_out.0"])
        #expect(loaded[.textEncoder]?.names == ["text_model.encoder.layers.0.self_attn.q_proj",
                                                "text_model.encoder.layers.1.self_attn.v_proj",
                                                "text_model.encoder.layers.1.mlp.fc2"])
        // No alpha anywhere: diffusers' convention, alpha = rank.
        #expect(loaded[.unet]?.entries.allSatisfy { $0.adapter.scale == 1 } == true)
    }

    @Test func errorsNameTheKey() throws {
        let folder = try TemporaryFolder()
        var g = RandomGenerator(seed: 8)
        func attempt(_ tensors: [(String, [Int])], metadata: [String: String] = [:],
                     into models: [LoRAComponent: Module]? = nil) throws -> String {
            var writer = SafeTensorsWriter(metadata: metadata)
            for (name, shape) in tensors { try writer.add(name, Tensor.randn(shape, generator: &g)) }
            let path = folder.url.appendingPathComponent("bad.safetensors").path
            try writer.write(to: path)
            do {
                _ = try LoRA.load(path, into: models ?? [.unet: LinearTree.unetBlock(unetPrefix)])
                return "loaded"
            } catch let error as LoRAError {
                #expect(error.path == path)
                return error.message
            }
        }
        let q = "unet.\(unetPrefix).attn1.to_q"
        #expect(try attempt([("\(q).lora_A.weight", [2, 8]), ("\(q).lora_magnitude_vector", [8])])
            .contains("\(q).lora_magnitude_vector"))
        #expect(try attempt([("\(q).lora_A.weight", [2, 8])]).contains("\(q).lora_A.weight has no matching up"))
        #expect(try attempt([("\(q).lora_A.weight", [2, 7]), ("\(q).lora_B.weight", [8, 2])])
            .contains("do not fit"))
        #expect(try attempt([("unet.mid_block.attn1.to_q.lora_A.weight", [2, 8]),
                             ("unet.mid_block.attn1.to_q.lora_B.weight", [8, 2])])
            .contains("no Linear or Conv2d layer mid_block.attn1.to_q"))
        #expect(try attempt([("text_encoder.x.q_proj.lora_A.weight", [2, 8])])
            .contains("no text_encoder was given"))
        #expect(try attempt([("\(q).lora_A.weight", [2, 8]), ("\(q).lora_B.weight", [8, 2])],
                            metadata: ["lora_adapter_metadata": "{\"unet.use_dora\": true}"])
            .contains("unet.use_dora = true is not supported"))
        #expect(try attempt([("\(q).lora_A.weight", [2, 8]), ("\(q).lora_B.weight", [8, 2])]) == "loaded")
        #expect(throws: LoRAError.self) { try LoRA.save([:], to: folder.url.appendingPathComponent("x").path) }
    }
}
