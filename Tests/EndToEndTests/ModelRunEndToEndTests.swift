import Diffusion
import Foundation
import SafeTensors
import Testing
import TestSupport

/// `dbrun model run` (DESIGN.md's contract) on diffusers/transformers-made fixtures: the outputs match the
/// reference library's within 1e-4 of their largest magnitude.
@Suite struct ModelRunEndToEndTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("DiffusionTests/Fixtures")

    /// A model folder holding only `component`, linked to a fixture folder.
    func modelFolder(_ component: String, fixture: String) throws -> TemporaryFolder {
        let folder = try TemporaryFolder("dbrun-model")
        try FileManager.default.createSymbolicLink(at: folder.url.appendingPathComponent(component),
                                                   withDestinationURL: Self.fixtures.appendingPathComponent(fixture))
        return folder
    }

    func maxRelativeError(_ actual: [Float], _ expected: [Float]) -> Float {
        let scale = max(expected.map(abs).max() ?? 1, 1e-12)
        return zip(actual, expected).map { abs($0 - $1) }.max().map { $0 / scale } ?? .infinity
    }

    @Test func textEncoderMatchesTransformers() throws {
        let model = try modelFolder("text_encoder", fixture: "clip/text_quick_gelu")
        let io = Self.fixtures.appendingPathComponent("clip/text_quick_gelu/io.safetensors").path
        let out = model.url.appendingPathComponent("out.safetensors").path
        let result = try DBRunProcess.run(["model", "run", "--model", model.url.path, "--component", "text_encoder",
                                           "--inputs", io, "--output", out], in: model.url)
        #expect(result.status == 0, "\(result.output)")
        let expected = try SafeTensorsFile(path: io), actual = try SafeTensorsFile(path: out)
        for name in ["last_hidden_state", "pooler_output"] {
            #expect(try actual.info(name).shape == expected.info(name).shape)
            #expect(maxRelativeError(try actual.floats(name), try expected.floats(name)) < 1e-4, "\(name)")
        }
    }

    /// Runs `dbrun model run` and returns the output file.
    func modelRun(_ model: TemporaryFolder, _ component: String, inputs: String) throws -> SafeTensorsFile {
        let out = model.url.appendingPathComponent("out-\(component).safetensors").path
        let result = try DBRunProcess.run(["model", "run", "--model", model.url.path, "--component", component,
                                           "--inputs", inputs, "--output", out], in: model.url)
        #expect(result.status == 0, "\(result.output)")
        return try SafeTensorsFile(path: out)
    }

    @Test(arguments: ["sd_tiny", "upscaler_tiny"])
    func unetMatchesDiffusers(_ fixture: String) throws {
        let model = try modelFolder("unet", fixture: "unet/\(fixture)/unet")
        let io = try SafeTensorsFile(path: Self.fixtures.appendingPathComponent("unet/\(fixture)/io.safetensors").path)
        // The contract's names: timestep, and integer class labels.
        var writer = SafeTensorsWriter()
        for name in ["sample", "encoder_hidden_states"] { try writer.add(name, try io.tensor(name)) }
        try writer.add("timestep", try io.tensor("timesteps"))
        if io.contains("class_labels") {
            try writer.add("class_labels", shape: [2], integers: try io.floats("class_labels").map { Int($0) })
        }
        let inputs = model.url.appendingPathComponent("in.safetensors").path
        try writer.write(to: inputs)
        let out = try modelRun(model, "unet", inputs: inputs)
        #expect(try out.info("sample").shape == io.info("out").shape)
        #expect(maxRelativeError(try out.floats("sample"), try io.floats("out")) < 1e-4)
    }

    @Test func vaeEncoderAndDecoderMatchDiffusers() throws {
        let model = try modelFolder("vae", fixture: "vae/vae_tiny/vae")
        let io = Self.fixtures.appendingPathComponent("vae/vae_tiny/io.safetensors").path
        let expected = try SafeTensorsFile(path: io)
        let decoded = try modelRun(model, "vae_decoder", inputs: io)
        #expect(maxRelativeError(try decoded.floats("sample"), try expected.floats("decoded")) < 1e-4)
        let encoded = try modelRun(model, "vae_encoder", inputs: io)
        for name in ["mean", "logvar"] {
            #expect(maxRelativeError(try encoded.floats(name), try expected.floats(name)) < 1e-4, "\(name)")
        }
    }

    @Test func missingComponentIsInvalidInput() throws {
        let model = try modelFolder("unet_elsewhere", fixture: "clip/text_quick_gelu")
        let io = Self.fixtures.appendingPathComponent("clip/text_quick_gelu/io.safetensors").path
        let result = try DBRunProcess.run(["model", "run", "--model", model.url.path, "--component", "text_encoder",
                                           "--inputs", io, "--output", "/dev/null"], in: model.url)
        #expect(result.status == 2)
        #expect(result.stderr.contains("no text_encoder/config.json"))
    }
}
