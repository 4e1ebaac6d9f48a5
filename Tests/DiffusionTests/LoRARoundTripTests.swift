import Foundation
import SafeTensors
import Testing
import Tensor
import TestSupport
@testable import Diffusion

/// Adapters for the fixture's tiny text encoder and tiny UNet (its attention layers, by name), saved in both
/// layouts and read back onto fresh models. With `DBRUN_LORA_ROUNDTRIP_DIR` set, the files and dbrun's outputs are
/// kept there for `scripts/reference/check_lora_roundtrip.py`, which loads them with `pipe.load_lora_weights` (not
/// in CI: needs Python).
@Suite struct LoRARoundTripTests {
    /// The fixture UNet's adapted layers, named as in diffusers, with their sizes.
    static func unetTree() throws -> (LinearTree, [String]) {
        let io = try ParityCase("lora/unet")
        return (try LinearTree(probesOf: io), LinearTree.probeNames(io))
    }

    @Test func bothLayoutsReloadToTheSameOutputs() throws {
        let temporary = try TemporaryFolder()
        let keep = ProcessInfo.processInfo.environment["DBRUN_LORA_ROUNDTRIP_DIR"]
        let folder = keep ?? temporary.url.path
        try FileManager.default.createDirectory(atPath: folder + "/diffusers", withIntermediateDirectories: true)

        let textFolder = FixturePaths.fixture("lora/text_encoder/model")
        let text = try CLIPTextModel(folder: textFolder)
        let (unet, names) = try Self.unetTree()
        var g = RandomGenerator(seed: 2024)
        let te = try LoRA.inject(into: text, config: LoRAConfig(rank: 4, alpha: 6, targetModules:
            LoRAConfig.textEncoderAttentionTargets), generator: &g)
        let un = try LoRA.inject(into: unet, config: LoRAConfig(rank: 2, alpha: 1, targetModules:
            LoRAConfig.unetAttentionTargets + ["proj_in", "proj_out", "conv1"]), generator: &g)
        randomizeUp(te, seed: 7)
        randomizeUp(un, seed: 8)
        #expect(un.names.sorted() == names.sorted())

        let ids = [[60, 5, 17, 33, 61, 61, 61, 61], [60, 40, 12, 61, 61, 61, 61, 61]]
        var expected = SafeTensorsWriter(metadata: ["format": "pt"])
        try expected.add("input_ids", shape: [2, 8], integers: ids.flatMap { $0 }, as: .int64)
        let hidden = try noGrad { try text(ids).lastHiddenState }
        try expected.add("last_hidden_state", hidden)
        var probes: [String: (x: Tensor, delta: Tensor)] = [:]
        for name in names {
            let layer = unet.adaptable(name)
            let x = layer.weight.rank == 4 ? Tensor.randn([1, layer.weight.shape[1], 4, 4], generator: &g)
                : Tensor.randn([3, layer.weight.shape[1]], generator: &g)
            let delta = noGrad { un[name]!(x) }
            probes[name] = (x, delta)
            try expected.add("probe.\(name).x", x)
            try expected.add("probe.\(name).delta", delta)
        }
        try expected.write(to: folder + "/expected.safetensors")

        let files = [(folder + "/diffusers/" + LoRA.diffusersWeightName, LoRAFileFormat.diffusers),
                     (folder + "/kohya.safetensors", .kohya)]
        for (path, format) in files {
            try LoRA.save([.textEncoder: te, .unet: un], to: path, format: format)
            let text2 = try CLIPTextModel(folder: textFolder)
            let (unet2, _) = try Self.unetTree()
            let loaded = try LoRA.load(path, into: [.textEncoder: text2, .unet: unet2])
            #expect(loaded[.textEncoder]?.names == te.names && loaded[.unet]?.names == un.names)
            #expect(try noGrad { try text2(ids).lastHiddenState }.scalars == hidden.scalars, "\(format)")
            for (name, probe) in probes {
                #expect(noGrad { loaded[.unet]![name]!(probe.x) }.scalars == probe.delta.scalars, "\(format) \(name)")
            }
        }
    }
}
