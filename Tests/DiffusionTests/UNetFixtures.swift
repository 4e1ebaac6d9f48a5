import Foundation
import SafeTensors
import Tensor
@testable import Diffusion

/// Reading the UNet/VAE parity fixtures written by `scripts/reference/fixtures_unet.py`.
enum UNetFixtures {
    /// `Fixtures/unet/<case>` or `Fixtures/vae/<case>`.
    static func folder(_ family: String, _ name: String) -> String { FixturePaths.fixture("\(family)/\(name)") }

    /// The case's `io.safetensors` tensors by name.
    static func io(_ family: String, _ name: String) throws -> [String: Tensor] {
        try SafeTensorsFile(path: folder(family, name) + "/io.safetensors").floatTensors()
    }

    /// max |a − b| relative to max |reference|: the measure the 1e-4 tolerance is stated in.
    static func relativeError(_ actual: Tensor, _ reference: Tensor) -> Float {
        precondition(actual.shape == reference.shape, "shape \(actual.shape) vs reference \(reference.shape)")
        let a = actual.scalars, r = reference.scalars
        var diff: Float = 0, scale: Float = 0
        for i in 0..<a.count {
            diff = max(diff, abs(a[i] - r[i]))
            scale = max(scale, abs(r[i]))
        }
        return diff / max(scale, .leastNormalMagnitude)
    }
}
