import Foundation
import Testing
@testable import Diffusion

/// Real Stable Diffusion 1.5, 2.1 and x4-upscaler configs, and each refusal of an unsupported value.
@Suite struct ModelConfigTests {
    func path(_ relative: String) -> String { FixturePaths.fixture("configs/" + relative) }

    /// Decodes `json` (text) as `T`, expecting an error; returns it.
    func refusal<T: ModelConfig>(_ type: T.Type, _ json: String) -> ConfigError? {
        do {
            _ = try T.decode(Data(json.utf8), path: "test/config.json")
            Issue.record("accepted: \(json)")
            return nil
        } catch {
            #expect(error.path == "test/config.json")
            #expect(error.description.hasPrefix("test/config.json: "))
            return error
        }
    }

    @Test func stableDiffusion15() throws {
        let unet = try UNet2DConditionConfig.load(path: path("sd15/unet/config.json"))
        #expect(unet.ignoredKeys.isEmpty)
        #expect(unet.config.crossAttentionDim == .same(768))
        #expect(unet.config.attentionHeads == [8, 8, 8, 8])
        #expect(unet.config.sampleSize == 64 && unet.config.useLinearProjection == false)
        #expect(unet.config.midBlockType == "UNetMidBlock2DCrossAttn")  // absent → diffusers' default

        let vae = try AutoencoderKLConfig.load(path: path("sd15/vae/config.json")).config
        #expect(vae.scalingFactor == 0.18215 && vae.blockOutChannels == [128, 256, 512, 512])

        let text = try CLIPTextConfig.load(path: path("sd15/text_encoder/config.json"))
        #expect(text.ignoredKeys.isEmpty)
        #expect(text.config.hiddenAct == "quick_gelu" && text.config.numHiddenLayers == 12 && text.config.eosTokenID == 2)

        let scheduler = try SchedulerConfig.load(path: path("sd15/scheduler/scheduler_config.json")).config
        #expect(scheduler.kind == .pndm && scheduler.betaSchedule == "scaled_linear" && scheduler.stepsOffset == 1)
        #expect(scheduler.resolvedTimestepSpacing == "leading" && !scheduler.resolvedSetAlphaToOne)
    }

    @Test func stableDiffusion21() throws {
        let unet = try UNet2DConditionConfig.load(path: path("sd21/unet/config.json")).config
        #expect(unet.attentionHeadDim == .each([5, 10, 20, 20]))
        #expect(unet.attentionHeads == [5, 10, 20, 20])
        #expect(unet.upcastAttention && unet.useLinearProjection && unet.numClassEmbeds == nil)
        let text = try CLIPTextConfig.load(path: path("sd21/text_encoder/config.json")).config
        #expect(text.hiddenAct == "gelu" && text.hiddenSize == 1024 && text.numHiddenLayers == 23)
        let scheduler = try SchedulerConfig.load(path: path("sd21/scheduler/scheduler_config.json")).config
        #expect(scheduler.kind == .ddim && scheduler.predictionType == "v_prediction" && !scheduler.clipSample)
        _ = try AutoencoderKLConfig.load(path: path("sd21/vae/config.json"))
    }

    @Test func x4Upscaler() throws {
        let unet = try UNet2DConditionConfig.load(path: path("x4-upscaler/unet/config.json")).config
        #expect(unet.inChannels == 7 && unet.outChannels == 4 && unet.numClassEmbeds == 1000)
        #expect(unet.onlyCrossAttention.values(blockCount: 4) == [true, true, true, false])
        #expect(unet.downBlockTypes.first == "DownBlock2D")
        let vae = try AutoencoderKLConfig.load(path: path("x4-upscaler/vae/config.json")).config
        #expect(vae.scalingFactor == 0.08333 && vae.blockOutChannels.count == 3)
        let lowRes = try SchedulerConfig.load(path: path("x4-upscaler/low_res_scheduler/scheduler_config.json")).config
        #expect(lowRes.kind == .ddpm && lowRes.resolvedVarianceType == "fixed_small" && lowRes.clipSample)
        _ = try SchedulerConfig.load(path: path("x4-upscaler/scheduler/scheduler_config.json"))
    }

    @Test func evaluationModels() throws {
        let clip = try CLIPConfig.load(path: path("clip-vit-large-patch14/config.json")).config
        #expect(clip.projectionDim == 768 && clip.visionConfig.patchSize == 14 && clip.visionConfig.hiddenSize == 1024)
        #expect(clip.textConfig.hiddenSize == 768)
        let dino = try ViTConfig.load(path: path("dino-vits16/config.json")).config
        #expect(dino.hiddenSize == 384 && dino.numAttentionHeads == 6 && dino.layerNormEps == 1e-12 && dino.qkvBias)
    }

    @Test func unsupportedBlockTypesNameFieldAndValue() {
        let error = refusal(UNet2DConditionConfig.self, """
            {"_class_name": "UNet2DConditionModel", "block_out_channels": [32, 64],
             "down_block_types": ["CrossAttnDownBlock2D", "DownBlock2D"], "up_block_types": ["UpBlock2D", "AttnUpBlock2D"]}
            """)
        #expect(error?.field == "up_block_types[1]")
        #expect(error?.message == "up_block_types[1] = \"AttnUpBlock2D\" is not supported; supported: CrossAttnUpBlock2D, UpBlock2D")
        #expect(refusal(UNet2DConditionConfig.self, #"{"mid_block_type": null}"#)?.message
            == "mid_block_type = null is not supported; supported: UNetMidBlock2DCrossAttn")
        #expect(refusal(UNet2DConditionConfig.self, #"{"act_fn": "gelu"}"#)?.field == "act_fn")
    }

    @Test func knownButUnimplementedKeysMustBeNeutral() throws {
        let error = refusal(UNet2DConditionConfig.self, #"{"addition_embed_type": "text_time"}"#)
        #expect(error?.message == "addition_embed_type = \"text_time\" is not supported; supported: null")
        #expect(refusal(UNet2DConditionConfig.self, #"{"transformer_layers_per_block": [1, 2, 10, 10]}"#)?.field
            == "transformer_layers_per_block")
        #expect(refusal(AutoencoderKLConfig.self, #"{"use_quant_conv": false}"#)?.field == "use_quant_conv")
        #expect(refusal(CLIPTextConfig.self, #"{"dropout": 0.1}"#)?.message
            == "dropout = 0.1 is not supported; supported: 0")
        // The neutral values themselves are accepted, whatever JSON spelling of the number.
        let ok = try UNet2DConditionConfig.decode(Data(#"{"transformer_layers_per_block": 1.0, "class_embed_type": null, "attention_type": "default"}"#.utf8))
        #expect(ok.ignoredKeys.isEmpty)
    }

    @Test func unknownKeysAreIgnoredAndListed() throws {
        let loaded = try UNet2DConditionConfig.decode(Data(#"{"_use_default_values": ["x"], "some_future_option": 3, "another": null}"#.utf8))
        #expect(loaded.ignoredKeys == ["another", "some_future_option"])
    }

    @Test func perBlockListsMustMatchTheBlockCount() {
        let error = refusal(UNet2DConditionConfig.self, #"{"attention_head_dim": [5, 10, 20]}"#)
        #expect(error?.field == "attention_head_dim")
        #expect(error?.message.contains("as many entries as down_block_types (4)") == true)
        #expect(refusal(UNet2DConditionConfig.self, #"{"only_cross_attention": [true]}"#)?.field == "only_cross_attention")
        #expect(refusal(UNet2DConditionConfig.self, #"{"cross_attention_dim": [768, 768, 768, 768]}"#)?.field
            == "cross_attention_dim")
    }

    @Test func inconsistentSizes() {
        #expect(refusal(UNet2DConditionConfig.self, #"{"norm_num_groups": 48}"#)?.message
            == "norm_num_groups = 48: must divide block_out_channels[0] = 320")
        #expect(refusal(UNet2DConditionConfig.self, #"{"attention_head_dim": [5, 10, 20, 7]}"#)?.field
            == "attention_head_dim[3]")
        #expect(refusal(CLIPTextConfig.self, #"{"hidden_size": 100, "num_attention_heads": 8}"#)?.field
            == "num_attention_heads")
        #expect(refusal(CLIPTextConfig.self, #"{"hidden_act": "relu"}"#)?.message
            == "hidden_act = \"relu\" is not supported; supported: quick_gelu, gelu")
        #expect(refusal(ViTConfig.self, #"{"image_size": 224, "patch_size": 15}"#)?.field == "patch_size")
    }

    @Test func typeErrorsNameTheField() {
        let error = refusal(UNet2DConditionConfig.self, #"{"in_channels": "four"}"#)
        #expect(error?.field == "in_channels")
        #expect(error?.message.hasPrefix("in_channels: expected an integer") == true)
        #expect(refusal(UNet2DConditionConfig.self, #"{"down_block_types": ["DownBlock2D", 3, "A", "B"]}"#)?.field
            == "down_block_types[1]")
        #expect(refusal(UNet2DConditionConfig.self, #"{"in_channels": null}"#)?.field == "in_channels")
        #expect(refusal(UNet2DConditionConfig.self, "[1, 2]")?.message == "not a JSON object")
        #expect(refusal(UNet2DConditionConfig.self, "{\"a\": ")?.message.hasPrefix("not valid JSON") == true)
    }

    @Test func schedulers() throws {
        let dpm = try SchedulerConfig.decode(Data("""
            {"_class_name": "DPMSolverMultistepScheduler", "algorithm_type": "dpmsolver++", "solver_order": 2,
             "lambda_min_clipped": -Infinity, "use_karras_sigmas": false, "beta_schedule": "scaled_linear",
             "beta_start": 0.00085, "beta_end": 0.012, "variance_type": null}
            """.utf8)).config
        #expect(dpm.kind == .dpmSolverMultistep && dpm.resolvedTimestepSpacing == "linspace")
        for kind in SchedulerConfig.Kind.allCases {
            let loaded = try SchedulerConfig.decode(Data(#"{"_class_name": "\#(kind.rawValue)"}"#.utf8))
            #expect(loaded.config.kind == kind)
        }
        #expect(refusal(SchedulerConfig.self, #"{"_class_name": "LMSDiscreteScheduler"}"#)?.field == "_class_name")
        #expect(refusal(SchedulerConfig.self, #"{"_class_name": "DDIMScheduler", "beta_schedule": "cosine"}"#)?.message
            == "beta_schedule = \"cosine\" is not supported; supported: linear, scaled_linear, squaredcos_cap_v2")
        #expect(refusal(SchedulerConfig.self, #"{"_class_name": "PNDMScheduler", "prediction_type": "sample"}"#)?.field
            == "prediction_type")
        #expect(refusal(SchedulerConfig.self, #"{"_class_name": "DDPMScheduler", "variance_type": "fixed_large_log"}"#)?
            .field == "variance_type")
        #expect(refusal(SchedulerConfig.self, #"{"_class_name": "DDIMScheduler", "thresholding": true}"#)?.field
            == "thresholding")
        #expect(refusal(SchedulerConfig.self, #"{"_class_name": "PNDMScheduler", "rescale_betas_zero_snr": true}"#)?.field
            == "rescale_betas_zero_snr")
        #expect(refusal(SchedulerConfig.self, #"{"_class_name": "DPMSolverMultistepScheduler", "solver_order": 4}"#)?
            .field == "solver_order")
        #expect(refusal(SchedulerConfig.self, #"{"_class_name": "EulerDiscreteScheduler", "use_exponential_sigmas": true}"#)?
            .field == "use_exponential_sigmas")
        #expect(refusal(SchedulerConfig.self, #"{"_class_name": "DDIMScheduler", "timestep_spacing": "karras"}"#)?.field
            == "timestep_spacing")
        // Another class's key in the file (SD 2.x DDIM carries PNDM's skip_prk_steps) is read but not judged.
        let ddim = try SchedulerConfig.decode(Data(#"{"_class_name": "DDIMScheduler", "solver_type": "heun"}"#.utf8))
        #expect(ddim.config.kind == .ddim)
    }

    @Test func encodingKeepsDiffusersNames() throws {
        let unet = try UNet2DConditionConfig.load(path: path("sd21/unet/config.json")).config
        let data = try JSONEncoder().encode(unet)
        let object = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        #expect(object["attention_head_dim"] as? [Int] == [5, 10, 20, 20])
        #expect(object["use_linear_projection"] as? Bool == true)
        #expect(try UNet2DConditionConfig.decode(data).config == unet)
    }
}

@Suite struct NestedConfigTests {
    @Test func clipSubConfigsFollowTheirOwnKeyRules() throws {
        do {
            _ = try CLIPConfig.decode(Data(#"{"text_config": {"dropout": 0.2}, "vision_config": {}}"#.utf8), path: "clip/config.json")
            Issue.record("dropout in text_config accepted")
        } catch {
            #expect(error.field == "text_config.dropout")
            #expect(error.description == "clip/config.json: text_config.dropout = 0.2 is not supported; supported: 0")
        }
        let loaded = try CLIPConfig.decode(Data(#"{"text_config": {"novel": 1}, "vision_config": {"num_beams": 1}}"#.utf8))
        #expect(loaded.ignoredKeys == ["text_config.novel"])
    }
}
