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

    @Test func limitIsSettable() throws {
        let small = DecodeLimits(maxPixels: 100)
        #expect(throws: ImageError.self) { try ImageDecoder.decode(contentsOf: Fixtures.path("png/rgb8.png"), limits: small) }
        #expect(throws: ImageError.self) {
            try ImageDecoder.decode(contentsOf: Fixtures.path("jpeg/baseline420.jpg"), limits: small)
        }
        let bomb = DecodeLimits(maxPixels: 500_000_000)
        // Under a raised limit the bomb gets past the header check and fails on its missing data instead.
        do {
            _ = try ImageDecoder.decode(contentsOf: Fixtures.path("bad/bomb.png"), limits: DecodeLimits(maxPixels: 500_000_000, maxDimension: 10))
            Issue.record("decoded")
        } catch {
            #expect(error.kind == .tooLarge)
        }
        _ = bomb
        let tinyFiles = DecodeLimits(maxFileBytes: 10)
        #expect(throws: ImageError.self) { try ImageDecoder.decode(contentsOf: Fixtures.path("png/rgb8.png"), limits: tinyFiles) }
    }

    /// Every prefix of good files must fail cleanly (no crash, no grey-padded image).
    @Test(arguments: ["png/rgb8.png", "png/rgba8_adam7.png", "png/palette4.png", "jpeg/progressive.jpg", "jpeg/baseline420.jpg"])
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
    @Test(arguments: ["png/rgb8_adam7.png", "jpeg/progressive.jpg", "jpeg/restart.jpg", "png/pillow_p.png"])
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
