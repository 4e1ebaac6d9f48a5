import Foundation
import Testing
import TestSupport

/// `dbrun image check` and `dbrun bench imaging`, run as a user runs them.
@Suite struct ImageCommandTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ImagingTests/Fixtures")

    /// A folder of `files` copied from the imaging fixtures, under new names.
    static func folder(_ files: [String: String]) throws -> TemporaryFolder {
        let folder = try TemporaryFolder("image-check")
        for (name, fixture) in files {
            try FileManager.default.copyItem(
                at: fixtures.appendingPathComponent(fixture), to: folder.url.appendingPathComponent(name))
        }
        return folder
    }

    @Test func goodFolderExitsZero() throws {
        let folder = try Self.folder([
            "1.jpg": "jpeg/orientation6.jpg", "2.jpg": "jpeg/baseline420.jpg", "3.png": "png/rgba16.png",
        ])
        let result = try DBRunProcess.run(["image", "check", ".", "--resolution", "16"], in: folder.url)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.stdout.contains("./1.jpg: 16×24 (stored 24×16, EXIF orientation 6: rotated 90° clockwise)"))
        #expect(result.stdout.contains("3 images readable, 0 unreadable"))
    }

    @Test func mixedFolderExitsTwoAndNamesEachBadFile() throws {
        let folder = try Self.folder([
            "a.jpg": "jpeg/progressive.jpg", "b.png": "bad/notes.png", "c.jpg": "bad/truncated.jpg",
            "d.png": "bad/bomb.png", "e.png": "bad/badcrc.png",
        ])
        let result = try DBRunProcess.run(["image", "check", ".", "--json"], in: folder.url)
        #expect(result.status == 2, "\(result.output)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let files = try #require(report["files"] as? [[String: Any]])
        let kinds = Dictionary(uniqueKeysWithValues: files.map { ($0["path"] as! String, $0["errorKind"] as? String ?? "ok") })
        #expect(kinds == ["./a.jpg": "ok", "./b.png": "notAnImage", "./c.jpg": "truncated", "./d.png": "tooLarge", "./e.png": "corrupt"])
        #expect((report["warnings"] as? [String])?.contains { $0.contains("only 1 readable image") } == true)
    }

    @Test func badArgumentsAreInvalidInput() throws {
        let folder = try TemporaryFolder("image-check")
        #expect(try DBRunProcess.run(["image", "check", "missing.png"], in: folder.url).status == 2)
        #expect(try DBRunProcess.run(["image", "check", ".", "--resolution", "0"], in: folder.url).status == 2)
        #expect(try DBRunProcess.run(["image", "check", "."], in: folder.url).status == 2)  // no images at all
    }

    @Test func benchMeasuresAGivenFile() throws {
        let folder = try Self.folder(["photo.jpg": "jpeg/baseline420.jpg"])
        let result = try DBRunProcess.run(
            ["bench", "imaging", "--input", "photo.jpg", "--runs", "1", "--size", "16", "--json"], in: folder.url)
        #expect(result.status == 0, "\(result.output)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["image"] as? String == "48x32" && object["output"] as? String == "24x16")
        #expect((object["decode_resize_ms"] as? [String: Double])?["best"] != nil)
        #expect(try DBRunProcess.run(["bench", "imaging", "--input", "nope.jpg"], in: folder.url).status == 2)
    }
}
