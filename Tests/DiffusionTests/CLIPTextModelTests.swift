import Foundation
import SafeTensors
import Testing
import Tensor
import TestSupport
@testable import Diffusion

/// `CLIPTextModel` against transformers on tiny random folders written by `scripts/reference/fixtures_clip.py`.
@Suite struct CLIPTextModelTests {
    static let tolerance: Float = 1e-4

    @Test func quickGeluFirstEOSMatchesTransformers() throws {
        let fixture = try ParityCase("clip/text_quick_gelu")
        let model = try CLIPTextModel(folder: fixture.folder)
        let ids = try fixture.rows("input_ids")
        // Pad equals eos here: pooling must pick the first eos, not a later one.
        #expect(model.textModel.pooledPositions(ids) == [4, 2])
        let out = try noGrad { try model(ids) }
        #expect(relativeError(out.lastHiddenState, try fixture.tensor("last_hidden_state")) < Self.tolerance)
        #expect(relativeError(out.pooledOutput, try fixture.tensor("pooler_output")) < Self.tolerance)
    }

    @Test func legacyEOSAndPrefixedNamesMatchTransformers() throws {
        let fixture = try ParityCase("clip/text_gelu_legacy_eos")
        #expect(try SafeTensorsFile(path: fixture.folder + "/model.safetensors").names.allSatisfy { $0.hasPrefix("text_model.") })
        let model = try CLIPTextModel(folder: fixture.folder)
        #expect(model.config.hiddenAct == "gelu" && model.config.eosTokenID == 2)
        let ids = try fixture.rows("input_ids")
        #expect(model.textModel.pooledPositions(ids) == [2, 5])
        let out = try noGrad { try model(ids) }
        #expect(relativeError(out.lastHiddenState, try fixture.tensor("last_hidden_state")) < Self.tolerance)
        #expect(relativeError(out.pooledOutput, try fixture.tensor("pooler_output")) < Self.tolerance)
    }

    /// Every entry of transformers' `hidden_states`, by positive and negative index, and clip skip's final norm.
    @Test func hiddenStatesOfEveryLayer() throws {
        for name in ["clip/text_quick_gelu", "clip/text_gelu_legacy_eos"] {
            let fixture = try ParityCase(name)
            let model = try CLIPTextModel(folder: fixture.folder)
            let ids = try fixture.rows("input_ids")
            let all = try fixture.tensor("hidden_states")
            let layers = model.config.numHiddenLayers
            #expect(all.shape[0] == layers + 1)
            for k in 0...layers {
                let expected = all.slice(axis: 0, k..<(k + 1)).reshaped(Array(all.shape.dropFirst()))
                let byIndex = try noGrad { try model.hiddenStates(ids, index: k) }
                let fromEnd = try noGrad { try model.hiddenStates(ids, index: k - layers - 1) }
                #expect(relativeError(byIndex, expected) < Self.tolerance, "\(name) hidden_states[\(k)]")
                #expect(byIndex.scalars == fromEnd.scalars)
            }
            let last = try noGrad { try model.hiddenStates(ids, index: -1, finalLayerNorm: true) }
            #expect(relativeError(last, try fixture.tensor("last_hidden_state")) < Self.tolerance)
            #expect(throws: ModelInputError.self) { try model.hiddenStates(ids, index: layers + 1) }
        }
    }

    /// Gradients of Σ(last·R₁) + Σ(pooled·R₂) w.r.t. named weights, including the token embedding table, with
    /// and without gradient checkpointing.
    @Test(arguments: [false, true]) func gradientsMatchPyTorch(checkpointing: Bool) throws {
        let fixture = try ParityCase("clip/text_quick_gelu")
        let model = try CLIPTextModel(folder: fixture.folder)
        model.gradientCheckpointing = checkpointing
        let out = try model(try fixture.rows("input_ids"))
        let weightLast = try fixture.tensor("loss_last"), weightPooled = try fixture.tensor("loss_pooled")
        let loss = (out.lastHiddenState * weightLast).sum() + (out.pooledOutput * weightPooled).sum()
        #expect(relativeError(loss.reshaped([1]), try fixture.tensor("loss")) < Self.tolerance)
        loss.backward()
        let parameters = model.stateDict()
        let names = fixture.io.names.filter { $0.hasPrefix("grad.") }
        #expect(names.count == 7)
        for name in names {
            let parameter = try #require(parameters["text_model." + name.dropFirst("grad.".count)], "\(name)")
            let grad = try #require(parameter.grad, "no gradient for \(name)")
            #expect(relativeError(grad, try fixture.tensor(name)) < Self.tolerance, "\(name)")
        }
    }

    /// A config key nobody knows is ignored, as transformers does, and reported for the caller's warning; a key
    /// dbrun does not implement is refused with its value.
    @Test func configKeysAreReportedOrRefused() throws {
        let fixture = try ParityCase("clip/text_quick_gelu")
        let temporary = try TemporaryFolder()
        let folder = temporary.url.path
        try FileManager.default.copyItem(atPath: fixture.folder + "/model.safetensors", toPath: folder + "/model.safetensors")
        let text = try String(contentsOfFile: fixture.folder + "/config.json", encoding: .utf8)
        try text.replacingOccurrences(of: "{", with: "{\n  \"my_note\": 1,").write(toFile: folder + "/config.json", atomically: true, encoding: .utf8)
        #expect(try CLIPTextModel(folder: folder).ignoredConfigKeys == ["my_note"])
        try text.replacingOccurrences(of: "\"attention_dropout\": 0.0", with: "\"attention_dropout\": 0.1")
            .write(toFile: folder + "/config.json", atomically: true, encoding: .utf8)
        #expect { try CLIPTextModel(folder: folder) } throws: { "\($0)".contains("attention_dropout") && "\($0)".contains("0.1") }
    }

    @Test func saveLoadsBackIdentically() throws {
        let fixture = try ParityCase("clip/text_quick_gelu")
        let model = try CLIPTextModel(folder: fixture.folder)
        let temporary = try TemporaryFolder()
        let folder = temporary.url.appendingPathComponent("text_encoder").path
        try model.save(folder: folder)
        let names = try SafeTensorsFile(path: folder + "/model.safetensors").names
        #expect(names.allSatisfy { $0.hasPrefix("text_model.") } && names.count == model.namedParameters().count)
        let config = try CLIPTextConfig.load(path: folder + "/config.json")
        #expect(config.config == model.config && config.ignoredKeys.isEmpty)
        // `fixtures_clip.py --check-roundtrip DIR` loads this copy with transformers (not in CI: needs Python).
        if let keep = ProcessInfo.processInfo.environment["DBRUN_CLIP_ROUNDTRIP_DIR"] {
            try model.save(folder: keep + "/text_encoder")
        }
        let again = try CLIPTextModel(folder: folder)
        let ids = try fixture.rows("input_ids")
        #expect(try noGrad { try again(ids).lastHiddenState.scalars == model(ids).lastHiddenState.scalars })
    }

    /// A diffusers `fp16` variant loads by name, widened to Float32; outputs stay close to the F32 model's.
    @Test func float16VariantLoads() throws {
        let fixture = try ParityCase("clip/text_quick_gelu")
        let model = try CLIPTextModel(folder: fixture.folder)
        let temporary = try TemporaryFolder()
        let folder = temporary.url.path
        try model.save(folder: folder, as: .float16)
        try FileManager.default.moveItem(atPath: folder + "/model.safetensors", toPath: folder + "/model.fp16.safetensors")
        #expect { try CLIPTextModel(folder: folder) } throws: { "\($0)".contains("model.fp16.safetensors") }
        let half = try CLIPTextModel(folder: folder, variant: "fp16")
        #expect(try SafeTensorsFile(path: folder + "/model.fp16.safetensors").tensors.allSatisfy { $0.dtype == .float16 })
        let ids = try fixture.rows("input_ids")
        #expect(try noGrad { relativeError(try half(ids).lastHiddenState, try fixture.tensor("last_hidden_state")) } < 1e-2)
    }

    /// Shards listed in `model.safetensors.index.json` load as one file; a shard the index names must exist.
    @Test func shardedCheckpointLoads() throws {
        let fixture = try ParityCase("clip/text_quick_gelu")
        let model = try CLIPTextModel(folder: fixture.folder)
        let temporary = try TemporaryFolder()
        let folder = temporary.url.path
        try FileManager.default.copyItem(atPath: fixture.folder + "/config.json", toPath: folder + "/config.json")
        var shards = [SafeTensorsWriter(), SafeTensorsWriter()]
        var map: [String: String] = [:]
        for (i, (name, tensor)) in model.namedParameters().enumerated() {
            try shards[i % 2].add(name, tensor)
            map[name] = "model-0000\(i % 2 + 1)-of-00002.safetensors"
        }
        for (i, shard) in shards.enumerated() { try shard.write(to: folder + "/model-0000\(i + 1)-of-00002.safetensors") }
        let index = try JSONSerialization.data(withJSONObject: ["metadata": [:], "weight_map": map])
        try index.write(to: URL(fileURLWithPath: folder + "/model.safetensors.index.json"))
        let sharded = try CLIPTextModel(folder: folder)
        let ids = try fixture.rows("input_ids")
        #expect(try noGrad { try sharded(ids).lastHiddenState.scalars == model(ids).lastHiddenState.scalars })

        try FileManager.default.removeItem(atPath: folder + "/model-00002-of-00002.safetensors")
        #expect { try CLIPTextModel(folder: folder) } throws: {
            "\($0)".contains("model-00002-of-00002.safetensors") && "\($0)".contains("index.json")
        }
    }

    /// `dbrun model run --component text_encoder`'s tensors, from the fixture's own io file.
    @Test func componentRunsOnNamedTensors() throws {
        let fixture = try ParityCase("clip/text_quick_gelu")
        let outputs = try CLIPTextModel(folder: fixture.folder).runComponent(inputs: fixture.io)
        #expect(Set(outputs.keys) == ["last_hidden_state", "pooler_output"])
        #expect(relativeError(try #require(outputs["last_hidden_state"]), try fixture.tensor("last_hidden_state")) < Self.tolerance)
    }

    @Test func badInputsAndFilesAreNamed() throws {
        let fixture = try ParityCase("clip/text_quick_gelu")
        let model = try CLIPTextModel(folder: fixture.folder)
        #expect { try model([[1, 2], [3]]) } throws: { "\($0)".contains("input_ids[1]") }
        #expect { try model([[1, 64]]) } throws: { "\($0)".contains("64") && "\($0)".contains("vocabulary") }
        #expect { try model([Array(repeating: 1, count: 13)]) } throws: { "\($0)".contains("max_position_embeddings") }

        // A checkpoint missing one tensor is refused, naming it and the file.
        let temporary = try TemporaryFolder()
        let folder = temporary.url.path
        try FileManager.default.copyItem(atPath: fixture.folder + "/config.json", toPath: folder + "/config.json")
        var writer = SafeTensorsWriter()
        for (name, tensor) in model.namedParameters() where name != "text_model.final_layer_norm.bias" {
            try writer.add(name, tensor)
        }
        try writer.write(to: folder + "/model.safetensors")
        #expect { try CLIPTextModel(folder: folder) } throws: {
            "\($0)".contains("text_model.final_layer_norm.bias") && "\($0)".contains("missing")
                && "\($0)".contains("model.safetensors")
        }
        // An extra tensor is refused too.
        try writer.add("text_model.final_layer_norm.bias", model.textModel.finalLayerNorm.bias)
        try writer.add("text_model.extra.weight", Tensor.zeros([2]))
        try writer.write(to: folder + "/model.safetensors")
        #expect { try CLIPTextModel(folder: folder) } throws: { "\($0)".contains("text_model.extra.weight") }
        // The position_ids buffer older transformers saved (int64) is skipped, as transformers skips it.
        var withBuffer = SafeTensorsWriter()
        for (name, tensor) in model.namedParameters() { try withBuffer.add(name, tensor) }
        try withBuffer.add("text_model.embeddings.position_ids", shape: [1, 12], integers: Array(0..<12), as: .int64)
        try withBuffer.write(to: folder + "/model.safetensors")
        _ = try CLIPTextModel(folder: folder)
        // A weight stored as integers is refused, not skipped.
        var integerWeight = SafeTensorsWriter()
        for (name, tensor) in model.namedParameters() where !name.hasSuffix("final_layer_norm.bias") {
            try integerWeight.add(name, tensor)
        }
        try integerWeight.add("text_model.final_layer_norm.bias", shape: [32], integers: Array(repeating: 0, count: 32))
        try integerWeight.write(to: folder + "/model.safetensors")
        #expect { try CLIPTextModel(folder: folder) } throws: { "\($0)".contains("final_layer_norm.bias") && "\($0)".contains("I64") }

        // And a misshapen one, with both shapes.
        var misshapen = SafeTensorsWriter()
        for (name, tensor) in model.namedParameters() {
            try misshapen.add(name, name.hasSuffix("final_layer_norm.bias") ? Tensor.zeros([31]) : tensor)
        }
        try misshapen.write(to: folder + "/model.safetensors")
        #expect { try CLIPTextModel(folder: folder) } throws: {
            "\($0)".contains("final_layer_norm.bias") && "\($0)".contains("[31]") && "\($0)".contains("[32]")
        }
        try FileManager.default.removeItem(atPath: folder + "/model.safetensors")
        try Data().write(to: URL(fileURLWithPath: folder + "/pytorch_model.bin"))
        #expect { try CLIPTextModel(folder: folder) } throws: { "\($0)".contains("pytorch_model.bin") }
    }
}
