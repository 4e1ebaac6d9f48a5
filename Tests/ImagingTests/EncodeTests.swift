import Foundation
import Testing

@testable import Imaging

@Suite struct EncodeTests {
    static func randomImage(width: Int, height: Int, channels: Int, seed: UInt64) -> Image {
        var rng = SplitMix64(seed: seed)
        let pixels = (0..<width * height * channels).map { _ in Float(rng.below(256)) * (1 / 255) }
        return Image(width: width, height: height, channels: channels, pixels: pixels)
    }

    @Test func pngRoundTripIsBitExact() throws {
        let image = Self.randomImage(width: 37, height: 21, channels: 3, seed: 1)
        let data = try PNGEncoder.encode(image)
        let back = try ImageDecoder.decode(data)
        #expect(back.image == image)
        #expect(back.info.colorType == "RGB" && back.info.bitDepth == 8)
        // And every decoded fixture re-encodes to itself once quantised to 8 bits.
        let photo = try Image(contentsOf: Fixtures.path("jpeg/orientation6.jpg"))
        #expect(try ImageDecoder.decode(PNGEncoder.encode(photo)).image == photo)
    }

    @Test func pngRGBAKeepsAlpha() throws {
        let image = Self.randomImage(width: 9, height: 7, channels: 4, seed: 2)
        let data = try PNGEncoder.encode(image)
        let back = try ImageDecoder.decode(data)
        #expect(back.info.colorType == "RGBA" && back.info.hasAlpha)
        // Decoding composites on white; compare against doing that to the original.
        let expected = image.compositedOnWhite()
        #expect(zip(back.image.pixels, expected.pixels).allSatisfy { abs($0 - $1) < 1e-6 })
    }

    @Test func pngBytesAreDeterministic() throws {
        let image = Self.randomImage(width: 64, height: 48, channels: 3, seed: 3)
        let a = try PNGEncoder.encode(image), b = try PNGEncoder.encode(image)
        #expect(a == b)
        #expect(!a.contains(Data("tIME".utf8)))
    }

    @Test func jpegEncodesAtQuality() throws {
        let photo = try Image(contentsOf: Fixtures.path("resize/source.png"))
        let high = try JPEGEncoder.encode(photo, quality: 95), low = try JPEGEncoder.encode(photo, quality: 20)
        #expect(high.count > low.count)
        func meanError(_ data: Data) throws -> Float {
            let back = try ImageDecoder.decode(data)
            #expect(back.info.format == .jpeg && back.image.width == photo.width && back.image.height == photo.height)
            var error: Float = 0
            for (a, b) in zip(back.image.pixels, photo.pixels) { error += abs(a - b) }
            return error / Float(photo.pixels.count)
        }
        let highError = try meanError(high), lowError = try meanError(low)
        #expect(highError < 0.05 && highError < lowError)
        let gray = try ImageDecoder.decode(JPEGEncoder.encode(Image(width: 8, height: 8, color: [0.5])))
        #expect(gray.info.colorType == "gray")
    }

    @Test func emptyImageIsRefused() {
        #expect(throws: ImageError.self) { try PNGEncoder.encode(Image(width: 0, height: 0, channels: 3, pixels: [])) }
    }
}
