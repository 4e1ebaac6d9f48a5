import Testing
import Diffusion

@Suite struct CompatibilityTests {
    @Test func mirrorsAPinnedDiffusersRelease() {
        #expect(DiffusersCompatibility.diffusersVersion.split(separator: ".").count == 3)
    }
}
