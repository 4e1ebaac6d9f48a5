import Foundation
import Testing
import TestSupport
@testable import Diffusion

/// model_index.json and component folders of the three real layouts, and partial folders.
@Suite struct DiffusersModelFolderTests {
    func path(_ relative: String) -> String { FixturePaths.fixture("configs/" + relative) }

    @Test func stableDiffusion15() throws {
        let model = try DiffusersModelFolder(path: path("sd15"))
        #expect(model.pipelineClass == "StableDiffusionPipeline")
        #expect(model.componentClasses == [.unet: "UNet2DConditionModel", .vae: "AutoencoderKL", .textEncoder: "CLIPTextModel",
                                           .tokenizer: "CLIPTokenizer", .scheduler: "PNDMScheduler"])
        #expect(model.unusedComponents == ["feature_extractor", "safety_checker"])
        #expect(try model.unetConfig().config.crossAttentionDim == .same(768))
        #expect(try model.textEncoderConfig().config.hiddenAct == "quick_gelu")
        #expect(try model.schedulerConfig().config.kind == .pndm)
        #expect(try model.vaeConfig().config.latentChannels == 4)
    }

    @Test func stableDiffusion21SkipsNullComponents() throws {
        let model = try DiffusersModelFolder(path: path("sd21"))
        #expect(model.componentClasses[.scheduler] == "DDIMScheduler")
        #expect(model.unusedComponents == ["feature_extractor"])  // safety_checker is [null, null]: absent
    }

    @Test func upscalerHasALowResSchedulerAndNoiseLevel() throws {
        let model = try DiffusersModelFolder(path: path("x4-upscaler"))
        #expect(model.pipelineClass == "StableDiffusionUpscalePipeline")
        #expect(model.maxNoiseLevel == 350)
        #expect(try model.schedulerConfig(.lowResScheduler).config.kind == .ddpm)
        #expect(try model.unetConfig().config.numClassEmbeds == 1000)
    }

    @Test func partialFolderWithoutIndex() throws {
        let folder = try TemporaryFolder("model")
        try FileManager.default.createDirectory(at: folder.url.appendingPathComponent("unet"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: path("sd15/unet/config.json"),
                                         toPath: folder.url.appendingPathComponent("unet/config.json").path)
        let model = try DiffusersModelFolder(path: folder.url.path)
        #expect(model.pipelineClass == nil && Array(model.componentClasses.keys) == [.unet])
        #expect(try model.unetConfig().config.blockOutChannels == [320, 640, 1280, 1280])
        do { _ = try model.vaeConfig(); Issue.record("vae found") } catch {
            #expect(error.path == folder.url.appendingPathComponent("vae").path)
            #expect(error.message == "the model has no vae component")
        }
    }

    @Test func unsupportedComponentClassIsRefused() throws {
        let folder = try TemporaryFolder("model")
        try #"{"_class_name": "StableDiffusionXLPipeline", "unet": ["diffusers", "UNet2DModel"]}"#
            .write(to: folder.url.appendingPathComponent("model_index.json"), atomically: true, encoding: .utf8)
        do { _ = try DiffusersModelFolder(path: folder.url.path); Issue.record("accepted") } catch {
            #expect(error.field == "unet")
            #expect(error.message == "unet = [\"diffusers\", \"UNet2DModel\"] is not supported; supported: UNet2DConditionModel")
        }
        #expect(throws: ConfigError.self) { try DiffusersModelFolder(path: folder.url.appendingPathComponent("nothing").path) }
    }

    /// A component folder that links outside itself (models/toyworld's tokenizers link to models/clip-tokenizer)
    /// is copied with the links' contents, so the copy stands on its own wherever it goes.
    @Test func copiedComponentFoldersFollowRelativeLinks() throws {
        let folder = try TemporaryFolder()
        let shared = folder.url.appendingPathComponent("shared")
        let tokenizer = folder.url.appendingPathComponent("model/tokenizer")
        try FileManager.default.createDirectory(at: shared, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: tokenizer, withIntermediateDirectories: true)
        try Data("merges".utf8).write(to: shared.appendingPathComponent("merges.txt"))
        try Data("{}".utf8).write(to: tokenizer.appendingPathComponent("tokenizer_config.json"))
        try FileManager.default.createSymbolicLink(atPath: tokenizer.appendingPathComponent("merges.txt").path,
                                                   withDestinationPath: "../../shared/merges.txt")
        let copy = folder.url.appendingPathComponent("elsewhere/deeper/tokenizer")
        try PipelineFolderWriter.copyFollowingLinks(tokenizer, to: copy)
        let copied = copy.appendingPathComponent("merges.txt")
        let attributes = try FileManager.default.attributesOfItem(atPath: copied.path)
        #expect(attributes[.type] as? FileAttributeType == .typeRegular)
        #expect(try String(contentsOf: copied, encoding: .utf8) == "merges")
        #expect(try String(contentsOf: copy.appendingPathComponent("tokenizer_config.json"), encoding: .utf8) == "{}")
    }

    /// A dangling link names itself and its target; a link back to a folder being copied stops the copy instead of
    /// recursing forever.
    @Test func danglingAndCyclicLinksAreNamedErrors() throws {
        let folder = try TemporaryFolder()
        let tokenizer = folder.url.appendingPathComponent("tokenizer")
        try FileManager.default.createDirectory(at: tokenizer, withIntermediateDirectories: true)
        let dangling = tokenizer.appendingPathComponent("merges.txt")
        try FileManager.default.createSymbolicLink(atPath: dangling.path, withDestinationPath: "../gone/merges.txt")
        do {
            try PipelineFolderWriter.copyFollowingLinks(tokenizer, to: folder.url.appendingPathComponent("a"))
            Issue.record("a dangling link was copied")
        } catch let error as PipelineFolderError {
            #expect("\(error)".hasSuffix("/merges.txt does not exist (a link to ../gone/merges.txt)"))
        }
        try FileManager.default.removeItem(at: dangling)
        try FileManager.default.createSymbolicLink(atPath: tokenizer.appendingPathComponent("loop").path,
                                                   withDestinationPath: ".")
        do {
            try PipelineFolderWriter.copyFollowingLinks(tokenizer, to: folder.url.appendingPathComponent("b"))
            Issue.record("a link cycle was copied")
        } catch let error as PipelineFolderError {
            #expect("\(error)".contains("/loop links back to "))
        }
    }
}
