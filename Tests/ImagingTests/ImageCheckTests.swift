import Foundation
import Testing
import TestSupport

@testable import Imaging

@Suite struct ImageCheckTests {
    /// A folder like a user's: good photos (one rotated by EXIF, one small, one panorama, one PNG with alpha,
    /// one re-encoded copy of another), bad files, a stray text file, and one photo's caption file.
    static func makeFolder() throws -> TemporaryFolder {
        let folder = try TemporaryFolder("imaging-check")
        let dir = folder.url.path
        func copy(_ fixture: String, _ name: String) throws {
            try FileManager.default.copyItem(atPath: Fixtures.path(fixture), toPath: dir + "/" + name)
        }
        let photo = try Image(contentsOf: Fixtures.path("resize/source.png")).resized(width: 122, height: 94)
        try JPEGEncoder.write(photo, to: dir + "/a_photo.jpg", quality: 95)
        try JPEGEncoder.write(photo.resized(width: 90, height: 69), to: dir + "/b_photo_copy.jpg", quality: 70)
        try copy("jpeg/orientation6.jpg", "c_rotated.jpg")
        try copy("png/rgba8.png", "d_alpha.png")
        let wide = try Image(contentsOf: Fixtures.path("jpeg/baseline444.jpg")).resized(width: 150, height: 40)
        try PNGEncoder.write(wide, to: dir + "/e_panorama.png")
        try copy("bad/notes.png", "f_notes.png")
        try copy("bad/truncated.jpg", "g_truncated.jpg")
        try copy("bad/empty.png", "h_empty.png")
        try copy("bad/cmyk.jpg", "i_cmyk.jpg")
        try Data("shopping list".utf8).write(to: folder.url.appendingPathComponent("README.txt"))
        try Data("on the grass".utf8).write(to: folder.url.appendingPathComponent("a_photo.txt"))
        try Data().write(to: folder.url.appendingPathComponent(".DS_Store"))
        return folder
    }

    @Test func reportsEachFileOfAMixedFolder() throws {
        let folder = try Self.makeFolder()
        let report = ImageCheck.run([folder.url.path], options: ImageCheckOptions(resolution: 32))
        let byName = Dictionary(uniqueKeysWithValues: report.files.map { (($0.path as NSString).lastPathComponent, $0) })
        #expect(byName.keys.sorted() == [
            "a_photo.jpg", "b_photo_copy.jpg", "c_rotated.jpg", "d_alpha.png", "e_panorama.png", "f_notes.png",
            "g_truncated.jpg", "h_empty.png", "i_cmyk.jpg",
        ])
        #expect(report.readable == 5 && report.unreadable == 4)
        #expect(report.exitCode == 2)

        let rotated = try #require(byName["c_rotated.jpg"])
        #expect(rotated.orientation == 6 && rotated.width == 16 && rotated.height == 24)
        #expect(rotated.storedWidth == 24 && rotated.storedHeight == 16)
        #expect(rotated.warnings.contains { $0.contains("smaller than the training resolution") })
        #expect(byName["a_photo.jpg"]!.warnings.contains { $0.contains("near-duplicate of") && $0.contains("b_photo_copy.jpg") })
        #expect(byName["b_photo_copy.jpg"]!.warnings.contains { $0.contains("a_photo.jpg") })
        #expect(!byName["a_photo.jpg"]!.warnings.contains { $0.contains("smaller") })
        #expect(byName["d_alpha.png"]!.alpha == true && byName["d_alpha.png"]!.colorType == "RGBA")
        #expect(byName["e_panorama.png"]!.warnings.contains { $0.contains("aspect ratio 3.8:1") })
        #expect(byName["f_notes.png"]!.errorKind == "notAnImage")
        #expect(byName["g_truncated.jpg"]!.errorKind == "truncated")
        #expect(byName["h_empty.png"]!.errorKind == "empty")
        #expect(byName["i_cmyk.jpg"]!.error!.contains("CMYK"))
        #expect(report.warnings.contains { $0.contains("README.txt") })
        #expect(!report.warnings.contains { $0.contains("a_photo.txt") }, "a photo's caption file is not a stray file")
        #expect(report.warnings.contains { $0.hasPrefix("near-duplicates") })
        #expect(!report.warnings.contains { $0.contains(".DS_Store") })

        let text = report.text()
        #expect(text.contains("c_rotated.jpg: 16×24 (stored 24×16, EXIF orientation 6: rotated 90° clockwise)"))
        #expect(text.contains("f_notes.png: ERROR: not a PNG or JPEG file"))
        let json = try JSONDecoder().decode(ImageCheckReport.self, from: Data(report.json().utf8))
        #expect(json == report)
    }

    @Test func stopsWhenCancelled() {
        var polls = 0
        let files = (1...8).map { Fixtures.path("jpeg/orientation\($0).jpg") }
        let report = ImageCheck.run(files) {
            polls += 1
            return polls > 2
        }
        #expect(report.files.count == 2)
    }

    @Test func countsSubjectImages() throws {
        let two = ImageCheck.run([Fixtures.path("png/rgb8.png"), Fixtures.path("png/gray8.png")])
        #expect(two.exitCode == 0)
        #expect(two.warnings.contains { $0.contains("only 2 readable images") })
        let many = ImageCheck.run(
            (1...8).map { Fixtures.path("jpeg/orientation\($0).jpg") } + [Fixtures.path("png/rgb8.png"), Fixtures.path("png/rgb16.png"), Fixtures.path("png/gray16.png")],
            options: ImageCheckOptions(resolution: 8, duplicateDistance: -1))
        #expect(many.readable == 11)
        #expect(many.warnings.contains { $0.contains("more than 10") })
        let none = ImageCheck.run([Fixtures.path("png/does-not-exist.png")])
        #expect(none.exitCode == 2 && none.files[0].error == "no such file")
    }
}
