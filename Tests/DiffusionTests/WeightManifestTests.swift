import Foundation
import Testing
@testable import Diffusion

/// The configs' reading of each field against the parameter shapes diffusers/transformers build for the same
/// config (Fixtures/weights, from scripts/reference/make_fixtures.py --only weights).
@Suite struct WeightManifestTests {
    static func manifest(_ name: String) throws -> [String: [Int]] {
        let text = try String(contentsOfFile: FixturePaths.fixture("weights/\(name).txt"), encoding: .utf8)
        var shapes: [String: [Int]] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: false)
            shapes[String(parts[0])] = parts.count > 1 && !parts[1].isEmpty ? parts[1].split(separator: ",").map { Int($0)! } : []
        }
        return shapes
    }

    @Test(arguments: ["sd15", "sd21", "x4-upscaler"])
    func unetShapesFollowTheConfig(model: String) throws {
        let config = try UNet2DConditionConfig.load(path: FixturePaths.fixture("configs/\(model)/unet/config.json")).config
        let weights = try Self.manifest("\(model)-unet")
        let channels = config.blockOutChannels
        let timeDim = 4 * channels[0]
        let crossDim = config.crossAttentionDim.values(blockCount: 1)[0]
        #expect(weights["conv_in.weight"] == [channels[0], config.inChannels, 3, 3])
        #expect(weights["conv_out.weight"] == [config.outChannels, channels[0], 3, 3])
        #expect(weights["time_embedding.linear_1.weight"] == [timeDim, channels[0]])
        #expect(weights["class_embedding.weight"] == config.numClassEmbeds.map { [$0, timeDim] })
        let onlyCross = config.onlyCrossAttention.values(blockCount: config.blockCount)
        let layers = config.layersPerBlock.values(blockCount: config.blockCount)
        for (i, type) in config.downBlockTypes.enumerated() {
            let c = channels[i]
            let resnets = Set(weights.keys.filter { $0.hasPrefix("down_blocks.\(i).resnets.") }.map { $0.split(separator: ".")[3] })
            #expect(resnets.count == layers[i])
            let attention = "down_blocks.\(i).attentions.0."
            guard type == "CrossAttnDownBlock2D" else {
                #expect(!weights.keys.contains { $0.hasPrefix(attention) })
                continue
            }
            #expect(weights[attention + "proj_in.weight"] == (config.useLinearProjection ? [c, c] : [c, c, 1, 1]))
            let block = attention + "transformer_blocks.0."
            #expect(weights[block + "attn2.to_k.weight"] == [c, crossDim])
            #expect(weights[block + "attn1.to_k.weight"] == (onlyCross[i] ? [c, crossDim] : [c, c]))
            #expect(weights[block + "ff.net.0.proj.weight"] == [8 * c, c])  // GEGLU: two halves of 4c
        }
        #expect(weights["mid_block.attentions.0.proj_out.weight"]?.first == channels.last)
    }

    @Test(arguments: ["sd15", "x4-upscaler"])
    func vaeShapesFollowTheConfig(model: String) throws {
        let config = try AutoencoderKLConfig.load(path: FixturePaths.fixture("configs/\(model)/vae/config.json")).config
        let weights = try Self.manifest("\(model)-vae")
        let latent = config.latentChannels
        #expect(weights["encoder.conv_in.weight"] == [config.blockOutChannels[0], config.inChannels, 3, 3])
        #expect(weights["encoder.conv_out.weight"] == [2 * latent, config.blockOutChannels.last!, 3, 3])
        #expect(weights["quant_conv.weight"] == [2 * latent, 2 * latent, 1, 1])
        #expect(weights["decoder.conv_out.weight"] == [config.outChannels, config.blockOutChannels[0], 3, 3])
        #expect(weights["encoder.mid_block.attentions.0.to_q.weight"] != nil)
        let downBlocks = Set(weights.keys.filter { $0.hasPrefix("encoder.down_blocks.") }.map { $0.split(separator: ".")[2] })
        #expect(downBlocks.count == config.blockOutChannels.count)
    }

    @Test(arguments: ["sd15", "sd21"])
    func textEncoderShapesFollowTheConfig(model: String) throws {
        let config = try CLIPTextConfig.load(path: FixturePaths.fixture("configs/\(model)/text_encoder/config.json")).config
        let weights = try Self.manifest("\(model)-text_encoder")
        #expect(weights["embeddings.token_embedding.weight"] == [config.vocabSize, config.hiddenSize])
        #expect(weights["embeddings.position_embedding.weight"] == [config.maxPositionEmbeddings, config.hiddenSize])
        #expect(weights["encoder.layers.\(config.numHiddenLayers - 1).mlp.fc1.weight"] == [config.intermediateSize, config.hiddenSize])
        #expect(weights["encoder.layers.\(config.numHiddenLayers).mlp.fc1.weight"] == nil)
        #expect(weights["final_layer_norm.weight"] == [config.hiddenSize])
        #expect(weights.count == 4 + 16 * config.numHiddenLayers)
    }
}
