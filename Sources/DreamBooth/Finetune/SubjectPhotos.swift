import Foundation
import Imaging
import Pipeline

/// The photos a stage trains on (the subject's, or the class images), read as training reads them: every image in
/// the folder, sorted by name, EXIF orientation applied. A file that cannot be read stops the stage with its path.
enum SubjectPhotos {
    static func load(_ folder: URL, stage: StageSpec, key: String) throws -> [Image] {
        let listed: (images: [String], skipped: [String])
        do {
            listed = try ImageFolder.list(folder.path)
        } catch {
            throw PipelineError.invalid(at: SourceLocation(file: folder.path), "stage '\(stage.name)': \(key): \(error)")
        }
        guard !listed.images.isEmpty else {
            throw PipelineError.invalid(at: SourceLocation(file: folder.path), "stage '\(stage.name)': \(key): no PNG or JPEG images in \(folder.path)")
        }
        return try listed.images.map { path in
            do {
                return try ImageDecoder.decode(contentsOf: path).image
            } catch {
                throw PipelineError.invalid(at: SourceLocation(file: path), "stage '\(stage.name)': \(key): \(error)")
            }
        }
    }
}
