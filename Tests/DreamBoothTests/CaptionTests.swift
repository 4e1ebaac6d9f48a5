import Foundation
import Imaging
import Testing
import TestSupport
@testable import DreamBooth

/// Captions as kohya's scripts read them: one file beside each photo, read in the photos' order, each photo's
/// prompt its own.
struct CaptionTests {
    @Test func eachPhotoTrainsWithItsOwnCaption() throws {
        let folder = try TemporaryFolder("dbrun-captions")
        let image = Image(width: 8, height: 8, pixels: [Float](repeating: 0.5, count: 3 * 64))
        for (name, caption) in [("b", "in the snow"), ("a", "  on the grass\n"), ("c", "at night")] {
            try PNGEncoder.write(image, to: folder.url.appendingPathComponent("\(name).png").path)
            try folder.write("\(name).caption", caption)
        }
        let captions = try SubjectPhotos.captions(folder.url, extension: "caption", stage: "ft", key: "instance_data_dir")
        #expect(captions == ["on the grass", "in the snow", "at night"])

        let examples = DreamBoothTask.Examples(images: [image, image, image], prompts: captions.map { "a zwx dog \($0)" })
        #expect((0..<4).map(examples.prompt) == ["a zwx dog on the grass", "a zwx dog in the snow", "a zwx dog at night",
                                                "a zwx dog on the grass"])
        #expect(DreamBoothTask.Examples(images: [image, image], prompt: "a zwx dog").prompt(1) == "a zwx dog")
        #expect(ImageFolder.captionPath(forImage: "/x/dog-1.png", extension: ".txt") == "/x/dog-1.txt")
    }
}
