import Foundation
import Testing

@testable import Imaging

@Suite struct ResizeTests {
    static let source = try! Image(contentsOf: Fixtures.path("resize/source.png"))

    static func pillow(_ file: String, width: Int, height: Int) throws -> Image {
        Image(interleaved8Bit: try Fixtures.bytes(file), width: width, height: height, channels: 3)
    }

    static func worstDifference(_ a: Image, _ b: Image) -> Float {
        var worst: Float = 0
        for (x, y) in zip(a.pixels, b.pixels) { worst = max(worst, abs(x - y)) }
        return worst * 255
    }

    @Test(arguments: Fixtures.manifest.resize)
    func eightBitMatchesPillow(_ c: Fixtures.ResizeCase) throws {
        let filter = try #require(ResamplingFilter(rawValue: c.filter))
        let ours = Self.source.resized(width: c.width, height: c.height, filter: filter, precision: .eightBit)
        let expected = try Self.pillow(c.file, width: c.width, height: c.height)
        #expect(ours.width == c.width && ours.height == c.height)
        // Same kernel, same fixed-point arithmetic: the same bytes.
        let differing = zip(ours.pixels, expected.pixels).filter { $0 != $1 }.count
        #expect(differing == 0, "\(differing) of \(ours.pixels.count) samples differ from PIL")
    }

    @Test(arguments: Fixtures.manifest.resize)
    func floatStaysCloseToPillow(_ c: Fixtures.ResizeCase) throws {
        // Unrounded, we differ from PIL by its intermediate rounding (at most 0.5 times the sum of |weights|)
        // plus its final rounding (0.5): at most about 1.2/255 for Lanczos.
        let filter = try #require(ResamplingFilter(rawValue: c.filter))
        let ours = Self.source.resized(width: c.width, height: c.height, filter: filter, precision: .float)
        let expected = try Self.pillow(c.file, width: c.width, height: c.height)
        let worst = Self.worstDifference(ours, expected)
        #expect(worst <= 1.25, "max difference \(worst)/255")
    }

    @Test(arguments: Fixtures.manifest.training)
    func trainingTransformMatchesTorchvision(_ c: Fixtures.TrainingCase) throws {
        let ours = TrainingTransform(resolution: c.size, centerCrop: true).apply(Self.source)
        let expected = try Self.pillow(c.file, width: c.size, height: c.size)
        #expect(ours == expected)
    }

    @Test(arguments: ["jpeg/orientation6.jpg", "jpeg/gray.jpg", "jpeg/progressive.jpg", "png/rgba16.png", "resize/source.png"])
    func bytePathEqualsFloatPath(_ file: String) throws {
        let path = Fixtures.path(file)
        let full = try Image(contentsOf: path)
        for size in [7, 13, min(full.width, full.height)] {
            let fused = try ImageDecoder.decode(contentsOf: path, shortSide: size).image
            #expect(fused == full.resizedShortSide(to: size, filter: .bilinear, precision: .eightBit), "size \(size)")
        }
        let t = TrainingTransform(resolution: 11, centerCrop: false, randomFlip: true)
        for seed: UInt64 in 0..<4 { #expect(try t.load(contentsOf: path, seed: seed) == t.apply(full, seed: seed)) }
    }

    @Test(arguments: ResamplingFilter.allCases)
    func windowEqualsResizeThenCrop(_ filter: ResamplingFilter) {
        var rng = SplitMix64(seed: 21)
        for _ in 0..<12 {
            let w = 1 + rng.below(90), h = 1 + rng.below(70)
            let x0 = rng.below(w), y0 = rng.below(h)
            let columns = x0..<x0 + 1 + rng.below(w - x0), rows = y0..<y0 + 1 + rng.below(h - y0)
            for precision in [ResamplingPrecision.float, .eightBit] {
                let whole = Self.source.resized(width: w, height: h, filter: filter, precision: precision)
                let part = Self.source.resized(width: w, height: h, columns: columns, rows: rows, filter: filter, precision: precision)
                #expect(part == whole.cropped(x: columns.lowerBound, y: rows.lowerBound, width: columns.count, height: rows.count),
                        "\(w)×\(h) window \(columns) \(rows) \(precision)")
            }
        }
    }

    @Test func trainingTransformEqualsResizeThenCrop() {
        // Including a strip whose resized long side is 300 times the resolution.
        let strip = Self.source.resized(width: 2, height: 600)
        for image in [Self.source, Self.source.oriented(.rotated90Clockwise), strip] {
            for (center, seed) in [(true, UInt64(0)), (false, 1), (false, 2)] {
                let t = TrainingTransform(resolution: 16, centerCrop: center, randomFlip: true)
                let resized = image.resizedShortSide(to: 16, filter: .bilinear, precision: .eightBit)
                var rng = SplitMix64(seed: seed)
                var expected = center ? resized.centerCropped(width: 16, height: 16) : resized.randomCropped(width: 16, height: 16, using: &rng)
                if rng.coin() { expected = expected.flippedHorizontally() }
                #expect(t.apply(image, seed: seed) == expected)
            }
        }
    }

    @Test func shortSideFollowsTorchvision() {
        #expect(Image.shortSideSize(width: 4032, height: 3024, size: 512) == (682, 512))
        #expect(Image.shortSideSize(width: 3024, height: 4032, size: 512) == (512, 682))
        #expect(Image.shortSideSize(width: 1000, height: 333, size: 512) == (1537, 512))
        #expect(Image.shortSideSize(width: 7, height: 7, size: 3) == (3, 3))
    }

    @Test func centerCropRoundsHalfToEven() {
        // 5 wide → crop 2: surplus 3, offset round(1.5) = 2; surplus 1 → round(0.5) = 0.
        let row = Image(width: 5, height: 1, channels: 1, pixels: [0, 1, 2, 3, 4])
        #expect(row.centerCropped(width: 2, height: 1).pixels == [2, 3])
        #expect(row.centerCropped(width: 4, height: 1).pixels == [0, 1, 2, 3])
        // Larger than the image: padded with zeros around it.
        let padded = row.centerCropped(width: 7, height: 1)
        #expect(padded.pixels == [0, 0, 1, 2, 3, 4, 0])
    }

    @Test func randomCropAndFlipAreSeeded() {
        let image = Self.source
        let t = TrainingTransform(resolution: 24, centerCrop: false, randomFlip: true)
        #expect(t.apply(image, seed: 7) == t.apply(image, seed: 7))
        let distinct = Set((0..<16).map { t.apply(image, seed: UInt64($0)).pixels.hashValue })
        #expect(distinct.count > 4)
        // A random crop is some window of the resized image.
        var rng = SplitMix64(seed: 3)
        let resized = image.resizedShortSide(to: 24)
        let crop = resized.randomCropped(width: 20, height: 20, using: &rng)
        let found = (0...resized.height - 20).contains { y in
            (0...resized.width - 20).contains { x in resized.cropped(x: x, y: y, width: 20, height: 20) == crop }
        }
        #expect(found)
    }

    @Test func splitMixIsStableAndUniform() {
        var rng = SplitMix64(seed: 0)
        // Reference values of SplitMix64 from seed 0.
        #expect(rng.next() == 0xE220_A839_7B1D_CDAF)
        #expect(rng.next() == 0x6E78_9E6A_A1B9_65F4)
        var counts = [Int](repeating: 0, count: 3)
        for _ in 0..<3000 { counts[rng.below(3)] += 1 }
        #expect(counts.allSatisfy { (900...1100).contains($0) })
    }

    @Test func flipAndOrientationsCompose() {
        let image = Self.source.resized(width: 9, height: 5)
        #expect(image.flippedHorizontally().flippedHorizontally() == image)
        #expect(image.oriented(.rotated90Clockwise).oriented(.rotated90CounterClockwise) == image)
        #expect(image.oriented(.rotated180) == image.oriented(.mirrored).oriented(.flippedVertically))
        #expect(image.oriented(.transposed).width == 5)
        #expect(image.flippedHorizontally()[0, 2, 0] == image[0, 2, 8])
    }

    @Test func downsampleHalvesAndAverages() {
        let flat = Image(width: 16, height: 12, color: [0.25, 0.5, 0.75])
        let low = flat.downsampled(by: 4)
        #expect(low.width == 4 && low.height == 3)
        for (c, value) in [Float(0.25), 0.5, 0.75].enumerated() {
            #expect(low.pixels[c * 12..<(c + 1) * 12].allSatisfy { abs($0 - value) < 1e-6 })
        }
    }

    @Test func nchwRoundTrips() throws {
        let a = Self.source.resized(width: 6, height: 4), b = a.flippedHorizontally()
        let batch = Image.batchNCHW([a, b], range: .signed)
        #expect(batch.count == 2 * 3 * 4 * 6)
        #expect(batch.allSatisfy { (-1...1).contains($0) })
        #expect(abs(batch[0] - (a.pixels[0] * 2 - 1)) < 1e-7)
        let back = Image.fromNCHW(batch, count: 2, channels: 3, height: 4, width: 6, range: .signed)
        for (x, y) in zip(back, [a, b]) {
            #expect(zip(x.pixels, y.pixels).allSatisfy { abs($0 - $1) < 1e-6 })
        }
        // Out-of-range model outputs are clamped.
        #expect(Image(planar: [-3, 3], width: 2, height: 1, channels: 1, range: .signed).pixels == [0, 1])
        // NaN from a diverged model becomes black instead of trapping in the encoder.
        let broken = Image(planar: [.nan, 0.5], width: 2, height: 1, channels: 1)
        #expect(broken.pixels == [0, 0.5])
        var raw = Image(width: 2, height: 1, channels: 3, pixels: [.nan, 1, .infinity, -.infinity, 0.5, 0])
        #expect(raw.interleaved8Bit() == [0, 255, 128, 255, 0, 0])  // planar R = [nan, 1], G = [inf, -inf], B = [0.5, 0]
        raw.pixels[0] = .nan
        #expect(try PNGEncoder.encode(raw).count > 0)
        #expect(raw.resized(width: 1, height: 1, filter: .box, precision: .eightBit).channels == 3)
    }
}
