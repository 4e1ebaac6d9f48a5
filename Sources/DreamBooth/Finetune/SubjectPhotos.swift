import Foundation
import Imaging
import Pipeline

/// The photos a stage trains on (the subject's, or the class images), read as training reads them: every image in
/// the folder, sorted by name, EXIF orientation applied. A file that cannot be read stops the stage with its path.
enum SubjectPhotos {
    static func load(_ folder: URL, stage: String, key: String) throws -> [Image] {
        try paths(folder, stage: stage, key: key).map { path in
            do {
                return try ImageDecoder.decode(contentsOf: path).image
            } catch {
                throw PipelineError.invalid(at: SourceLocation(file: path), "stage '\(stage)': \(key): \(error)")
            }
        }
    }

    /// The caption beside each image (kohya's sidecar files: `dog-1.png` → `dog-1.txt` for extension ".txt"),
    /// whitespace trimmed, in the order `load` reads the images. A missing or empty caption stops the stage with
    /// the file it looked for.
    static func captions(_ folder: URL, extension ext: String, stage: String, key: String) throws -> [String] {
        try paths(folder, stage: stage, key: key).map { path in
            let sidecar = ImageFolder.captionPath(forImage: path, extension: ext)
            guard let data = FileManager.default.contents(atPath: sidecar),
                  let text = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines),
                  !text.isEmpty else {
                throw PipelineError.invalid(at: SourceLocation(file: sidecar),
                                            "stage '\(stage)': \(key): no caption for \(path) (caption_extension '\(ext)')")
            }
            return text
        }
    }

    private static func paths(_ folder: URL, stage: String, key: String) throws -> [String] {
        let listed: (images: [String], skipped: [String])
        do {
            listed = try ImageFolder.list(folder.path)
        } catch {
            throw PipelineError.invalid(at: SourceLocation(file: folder.path), "stage '\(stage)': \(key): \(error)")
        }
        guard !listed.images.isEmpty else {
            throw PipelineError.invalid(at: SourceLocation(file: folder.path), "stage '\(stage)': \(key): no PNG or JPEG images in \(folder.path)")
        }
        return listed.images
    }
}
