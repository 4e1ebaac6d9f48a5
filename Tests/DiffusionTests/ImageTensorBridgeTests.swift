import Imaging
import Tensor
import Testing
import Diffusion

@Suite struct ImageTensorBridgeTests {
    @Test func batchRoundTripInSignedRange() {
        let a = Image(planar: (0..<12).map { Float($0) / 11 }, width: 2, height: 2, channels: 3)
        let b = Image(planar: (0..<12).map { 1 - Float($0) / 11 }, width: 2, height: 2, channels: 3)
        let tensor = Tensor(images: [a, b], range: .signed)
        #expect(tensor.shape == [2, 3, 2, 2])
        #expect(tensor.scalars[0] == -1)
        #expect(tensor.scalars[11] == 1)
        #expect(tensor.scalars[12] == 1)
        let back = Image.images(from: tensor, range: .signed)
        #expect(back.count == 2)
        #expect(zip(back[1].planar(), b.planar()).allSatisfy { abs($0 - $1) < 1e-6 })
    }
}
