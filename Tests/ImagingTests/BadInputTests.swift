import Foundation
import Testing

@testable import Imaging

@Suite struct BadInputTests {
    @Test(arguments: Fixtures.manifest.bad)
    func badFileGivesNamedError(_ c: Fixtures.BadCase) {
        let path = Fixtures.path(c.file)
        do {
            _ = try ImageDecoder.decode(contentsOf: path)
            Issue.record("\(c.file) decoded")
        } catch {
            #expect(error.kind.rawValue == c.kind, "\(error)")
            #expect(error.path == path)
            #expect(!error.reason.isEmpty)
            #expect(error.description.hasPrefix(path + ": "))
        }
    }

    @Test func messagesSayWhatIsWrong() throws {
        func reason(_ file: String, limits: DecodeLimits = .default) -> String {
            do {
                _ = try ImageDecoder.decode(contentsOf: Fixtures.path(file), limits: limits)
                return "decoded"
            } catch { return error.reason }
        }
        #expect(reason("bad/badcrc.png").contains("CRC"))
        #expect(reason("bad/notes.png").contains("text"))
        #expect(reason("bad/cmyk.jpg").contains("CMYK"))
        #expect(reason("bad/bomb.png").contains("20000×20000"))
        #expect(reason("bad/empty.png").contains("0 bytes"))
        #expect(reason("no/such/file.png").contains("no such file"))
        #expect(reason("png").contains("directory"))
    }

    @Test func otherImageFormatsAreNamed() {
        let heic: [UInt8] = [0, 0, 0, 0x18] + Array("ftypheic".utf8) + [0, 0, 0, 0] + Array("mif1heic".utf8)
        let webp: [UInt8] = Array("RIFF".utf8) + [0x10, 0, 0, 0] + Array("WEBPVP8 ".utf8)
        let gif: [UInt8] = Array("GIF89a".utf8) + [1, 0, 1, 0, 0, 0, 0]
        for (bytes, name) in [(heic, "HEIC/HEIF"), (webp, "WebP"), (gif, "GIF")] {
            do {
                _ = try ImageDecoder.decode(Data(bytes), path: "x")
                Issue.record("decoded \(name)")
            } catch {
                #expect(error.kind == .unsupported)
                #expect(error.reason.hasPrefix(name + " image"))
            }
        }
    }

    @Test func limitIsSettable() throws {
        let small = DecodeLimits(maxPixels: 100)
        #expect(throws: ImageError.self) { try ImageDecoder.decode(contentsOf: Fixtures.path("png/rgb8.png"), limits: small) }
        #expect(throws: ImageError.self) {
            try ImageDecoder.decode(contentsOf: Fixtures.path("jpeg/baseline420.jpg"), limits: small)
        }
        // Raising the pixel limit lets the 400 MP bomb past the header check (it then fails on its missing
        // data, after allocating); the per-side limit still stops it.
        do {
            _ = try ImageDecoder.decode(
                contentsOf: Fixtures.path("bad/bomb.png"), limits: DecodeLimits(maxPixels: 500_000_000, maxDimension: 10))
            Issue.record("decoded")
        } catch {
            #expect(error.kind == .tooLarge)
            #expect(error.reason.contains("10 per side"))
        }
        let tinyFiles = DecodeLimits(maxFileBytes: 10)
        #expect(throws: ImageError.self) { try ImageDecoder.decode(contentsOf: Fixtures.path("png/rgb8.png"), limits: tinyFiles) }
    }

    @Test func bombWithinLimitsIsRefusedBeforeAllocating() {
        // 20000×20000 RGB needs 1.2 GB; the file cannot hold it, which the header and file size already show.
        do {
            _ = try ImageDecoder.decode(contentsOf: Fixtures.path("bad/bomb.png"), limits: DecodeLimits(maxPixels: 500_000_000))
            Issue.record("decoded")
        } catch {
            #expect(error.kind == .truncated)
            #expect(error.reason.contains("cannot hold"))
        }
    }

    @Test func jpegBombWithinLimitsFailsFast() throws {
        // A 48×32 file whose frame header claims 8000×8000 (64 MP, inside the default limit): the data runs out
        // in the first rows, long before 192 MB of pixels would be filled.
        var data = try Fixtures.bytes("jpeg/baseline420.jpg")
        let sof = try #require((0..<data.count - 1).first { data[$0] == 0xFF && data[$0 + 1] == 0xC0 })
        data.replaceSubrange(sof + 5..<sof + 9, with: [0x1F, 0x40, 0x1F, 0x40])
        let start = Date()
        do {
            _ = try ImageDecoder.decode(Data(data), path: "bomb.jpg")
            Issue.record("decoded")  // (not the image itself: describing 64 MP would flood the log)
        } catch {
            #expect(error.kind == .truncated)
        }
        #expect(Date().timeIntervalSince(start) < 5)
    }

    /// Every prefix of good files must fail cleanly (no crash, no grey-padded image).
    @Test(arguments: [
        "png/rgb8.png", "png/rgba8_adam7.png", "png/palette4.png", "png/exif6.png", "jpeg/progressive.jpg",
        "jpeg/baseline420.jpg", "jpeg/exif_motorola8.jpg",
    ])
    func everyTruncationFails(_ file: String) throws {
        let data = try Fixtures.bytes(file)
        let step = max(1, data.count / 150)
        for length in stride(from: 0, to: data.count - 1, by: step) {
            #expect(throws: ImageError.self, "prefix of \(length) bytes") {
                try ImageDecoder.decode(Data(data.prefix(length)), path: file)
            }
        }
    }

    /// Flipped bytes either decode or give an error; they never crash or hang.
    @Test(arguments: [
        "png/rgb8_adam7.png", "jpeg/progressive.jpg", "jpeg/restart.jpg", "png/pillow_p.png", "png/exif6.png",
        "jpeg/exif_motorola8.jpg", "jpeg/orientation6.jpg",
    ])
    func corruptedBytesNeverCrash(_ file: String) throws {
        let data = try Fixtures.bytes(file)
        var rng = SplitMix64(seed: 11)
        var failures = 0
        for _ in 0..<300 {
            var bad = data
            for _ in 0..<3 { bad[rng.below(bad.count)] ^= UInt8(truncatingIfNeeded: rng.next() | 1) }
            do {
                let decoded = try ImageDecoder.decode(Data(bad), path: file)
                #expect(decoded.image.pixels.allSatisfy { $0 >= 0 && $0 <= 1 })
            } catch {
                failures += 1
                #expect(error.path == file)
            }
        }
        #expect(failures > 0)
    }

    /// Damage aimed at the headers, where the Swift-side parsers (JPEG markers, EXIF, PNG IHDR) read.
    @Test(arguments: ["jpeg/exif_motorola8.jpg", "jpeg/orientation6.jpg", "png/exif6.png", "png/gray1.png"])
    func corruptedHeadersNeverCrash(_ file: String) throws {
        let data = try Fixtures.bytes(file)
        var rng = SplitMix64(seed: 12)
        for _ in 0..<400 {
            var bad = data
            for _ in 0..<1 + rng.below(3) { bad[rng.below(min(bad.count, 160))] = UInt8(truncatingIfNeeded: rng.next()) }
            if let decoded = try? ImageDecoder.decode(Data(bad), path: file) {
                #expect(decoded.image.width > 0)
            }
        }
    }

    @Test func exifParserSurvivesGarbage() {
        var rng = SplitMix64(seed: 13)
        let valid = EXIFOrientationTests.tiff(bigEndian: true, value: 6)
        for _ in 0..<3000 {
            var bytes = valid
            for _ in 0..<1 + rng.below(4) { bytes[rng.below(bytes.count)] = UInt8(truncatingIfNeeded: rng.next()) }
            bytes = Array(bytes.prefix(rng.below(bytes.count + 1)))
            let parsed = EXIFOrientation.parse(exif: bytes)
            #expect(parsed == nil || (1...8).contains(parsed!.rawValue))
        }
    }

    @Test func damagedButDecodableJPEGIsReportedNotRefused() throws {
        // Stray bytes before a marker: libjpeg skips them with a warning, as Pillow does.
        let data = try Fixtures.bytes("jpeg/baseline420.jpg")
        let app0Length = Int(data[4]) << 8 | Int(data[5])
        let next = 4 + app0Length
        let damaged = Array(data[..<next]) + [0x00, 0x13, 0x37] + Array(data[next...])
        let decoded = try ImageDecoder.decode(Data(damaged), path: "stray.jpg")
        #expect(decoded.info.warnings.count == 1)
        #expect(decoded.info.warnings.first?.contains("extraneous bytes") == true)
        #expect(decoded.image == (try Image(contentsOf: Fixtures.path("jpeg/baseline420.jpg"))))
    }

    @Test func progressiveScanLimit() throws {
        let limits = DecodeLimits(maxProgressiveScans: 2)
        do {
            _ = try ImageDecoder.decode(contentsOf: Fixtures.path("jpeg/progressive.jpg"), limits: limits)
            Issue.record("decoded")
        } catch {
            #expect(error.kind == .unsupported)
            #expect(error.reason.contains("scans"))
        }
    }
}
