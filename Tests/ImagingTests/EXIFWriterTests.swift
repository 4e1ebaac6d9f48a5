import Foundation
import Testing

@testable import Imaging

@Suite struct EXIFWriterTests {
    @Test(arguments: EXIFOrientation.allCases)
    func payloadParsesBack(_ orientation: EXIFOrientation) {
        #expect(EXIFOrientation.parse(exif: orientation.exifPayload) == orientation)
        #expect(orientation.inverse.inverse == orientation)
    }

    @Test(arguments: EXIFOrientation.allCases)
    func storedThenOrientedIsTheImage(_ orientation: EXIFOrientation) {
        let image = EncodeTests.randomImage(width: 5, height: 3, channels: 3, seed: 7)
        #expect(image.stored(for: orientation).oriented(orientation) == image)
    }

    /// A portrait-phone JPEG (orientation 6) decodes to the upright picture, not the stored sideways one.
    @Test func jpegWithOrientationDecodesUpright() throws {
        // Left half dark, right half bright, top rows red: a turn or a mirror shows in every test below.
        var upright = Image(width: 48, height: 32, color: [0.2, 0.2, 0.2])
        for y in 0..<32 { for x in 24..<48 { for c in 0..<3 { upright[c, y, x] = 0.9 } } }
        for y in 0..<8 { for x in 0..<48 { upright[0, y, x] = 1; upright[1, y, x] = 0; upright[2, y, x] = 0 } }
        let data = try JPEGEncoder.encode(upright: upright, orientation: .rotated90Clockwise, quality: 95)
        let decoded = try ImageDecoder.decode(data)
        #expect(decoded.info.orientation == .rotated90Clockwise)
        #expect(decoded.info.storedWidth == 32 && decoded.info.storedHeight == 48)
        #expect(decoded.image.width == 48 && decoded.image.height == 32)
        let error = zip(decoded.image.pixels, upright.pixels).map { abs($0 - $1) }.reduce(0, +) / Float(upright.pixels.count)
        #expect(error < 0.03)
    }
}
