import Diffusion
import Foundation
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

    @Test func missingComponentIsInvalidInput() throws {
        let model = try modelFolder("unet_elsewhere", fixture: "clip/text_quick_gelu")
        let io = Self.fixtures.appendingPathComponent("clip/text_quick_gelu/io.safetensors").path
        let result = try DBRunProcess.run(["model", "run", "--model", model.url.path, "--component", "text_encoder",
                                           "--inputs", io, "--output", "/dev/null"], in: model.url)
        #expect(result.status == 2)
        #expect(result.stderr.contains("no text_encoder/config.json"))
    }
}
