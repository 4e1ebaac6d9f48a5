import Foundation
import Testing
import Tensor
import TestSupport
@testable import Diffusion

/// The VAE against diffusers on a tiny random config loaded from a real `save_pretrained` folder.
@Suite struct VAEParityTests {
    static let folder = UNetFixtures.folder("vae", "vae_tiny") + "/vae"

    @Test func encodeMatchesDiffusers() throws {
        let io = try UNetFixtures.io("vae", "vae_tiny")
        let vae = try AutoencoderKL.load(folder: Self.folder)
        let (mean, logvar) = try noGrad { try vae.encode(try #require(io["sample"])) }
        #expect(UNetFixtures.relativeError(mean, try #require(io["mean"])) < 1e-4)
        #expect(UNetFixtures.relativeError(logvar, try #require(io["logvar"])) < 1e-4)
    }

    @Test func decodeMatchesDiffusers() throws {
        let io = try UNetFixtures.io("vae", "vae_tiny")
        let vae = try AutoencoderKL.load(folder: Self.folder)
        let decoded = try noGrad { try vae.decode(try #require(io["latent"])) }
        #expect(UNetFixtures.relativeError(decoded, try #require(io["decoded"])) < 1e-4)
        #expect(vae.scalingFactor == 0.5)
    }

    @Test func weightNamesAndRoundTrip() throws {
        let vae = try AutoencoderKL.load(folder: Self.folder)
        let names = Set(vae.namedParameters().map(\.name))
        for expected in ["encoder.mid_block.attentions.0.group_norm.weight", "encoder.mid_block.attentions.0.to_q.bias",
                         "encoder.down_blocks.0.downsamplers.0.conv.weight", "decoder.up_blocks.0.upsamplers.0.conv.bias",
                         "decoder.up_blocks.1.resnets.0.conv_shortcut.weight", "quant_conv.weight", "post_quant_conv.bias"] {
            #expect(names.contains(expected), "missing \(expected)")
        }
        let temp = try TemporaryFolder()
        try vae.save(folder: temp.url.path)
        let again = try AutoencoderKL.load(folder: temp.url.path)
        #expect(again.config == vae.config)
    }
}
