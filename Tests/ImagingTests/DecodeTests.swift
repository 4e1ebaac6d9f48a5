import Foundation
import Testing

@testable import Imaging

@Suite struct DecodeTests {
    @Test(arguments: Fixtures.manifest.decode)
    func decodesLikeReference(_ c: Fixtures.DecodeCase) throws {
        let decoded = try ImageDecoder.decode(contentsOf: Fixtures.path(c.file))
        let expected = try Fixtures.floats(c.reference)
        #expect(decoded.image.width == c.width && decoded.image.height == c.height)
        #expect(decoded.image.channels == 3)
        #expect(decoded.info.format.rawValue == c.format)
        #expect(decoded.info.colorType == c.colorType)
        #expect(decoded.info.bitDepth == c.bitDepth)
        #expect(decoded.info.hasAlpha == c.hasAlpha)
        #expect(decoded.info.interlaced == c.interlaced)
        #expect(decoded.info.orientation.rawValue == c.orientation)
        #expect(decoded.info.width == c.width && decoded.info.height == c.height)
        try #require(expected.count == decoded.image.pixels.count)
        var worst: Float = 0
        for (a, b) in zip(decoded.image.pixels, expected) { worst = max(worst, abs(a - b)) }
        #expect(worst <= c.tolerance, "max difference \(worst * 255)/255")
    }

    @Test func jpegDecodesMatchPillowExactly() throws {
        // Same libjpeg-turbo algorithms (islow IDCT, fancy upsampling) as Pillow: expect identical bytes.
        for c in Fixtures.manifest.decode where c.format == "jpeg" {
            let image = try Image(contentsOf: Fixtures.path(c.file))
            let expected = try Fixtures.floats(c.reference)
            let differing = zip(image.pixels, expected).filter { abs($0 - $1) > 1e-6 }.count
            #expect(differing == 0, "\(c.name): \(differing) samples differ from Pillow")
        }
    }
}
