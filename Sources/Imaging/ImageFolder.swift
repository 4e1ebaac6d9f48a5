import Foundation

/// Which files in a folder are training images: the one rule shared by `dbrun image check` and the stages
/// that read instance and class images, so the check sees what training will see.
public enum ImageFolder {
    /// File name extensions read as images (case-insensitive). Hidden files are never images. Formats we do not
    /// decode (HEIC, WebP, …) are listed too, so a phone's HEIC photo is an error that says so rather than a
    /// file silently left out of training.
    public static let imageExtensions: Set<String> = [
        "png", "jpg", "jpeg", "jpe", "jfif", "heic", "heif", "avif", "webp", "gif", "bmp", "tif", "tiff",
    ]

    /// Caption files are kohya's sidecars: the image's path with its extension replaced by this one.
    public static let captionExtensions: Set<String> = ["txt", "caption"]

    /// The sidecar caption of `image` for `ext` (".txt" or "txt"): `a/dog-1.png` → `a/dog-1.txt`.
    public static func captionPath(forImage image: String, extension ext: String) -> String {
        let bare = ext.hasPrefix(".") ? String(ext.dropFirst()) : ext
        return ((image as NSString).deletingPathExtension as NSString).appendingPathExtension(bare) ?? image + "." + bare
    }

    /// The images directly inside `folder`, sorted by name (byte order, so every machine agrees), and the
    /// other visible files, which are skipped. Throws `ImageError` when the folder cannot be listed.
    public static func list(_ folder: String) throws(ImageError) -> (images: [String], skipped: [String]) {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder)
        } catch {
            throw ImageError(path: folder, kind: .io, reason: "cannot list folder: \(error.localizedDescription)")
        }
        var images: [String] = [], skipped: [String] = []
        for name in names.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }) where !name.hasPrefix(".") {
            let path = (folder as NSString).appendingPathComponent(name)
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            if isDirectory.boolValue { continue }
            if imageExtensions.contains((name as NSString).pathExtension.lowercased()) {
                images.append(path)
            } else {
                skipped.append(path)
            }
        }
        return (images, skipped)
    }
}

extension EXIFOrientation {
    /// Words for reports, e.g. "rotated 90° clockwise".
    public var name: String {
        switch self {
        case .normal: "normal"
        case .mirrored: "mirrored"
        case .rotated180: "rotated 180°"
        case .flippedVertically: "flipped vertically"
        case .transposed: "transposed"
        case .rotated90Clockwise: "rotated 90° clockwise"
        case .transversed: "transversed"
        case .rotated90CounterClockwise: "rotated 90° counter-clockwise"
        }
    }
}
