import CImagingSupport
import Foundation

/// Baseline JPEG output, for class images and anything that is a photo rather than a reference.
public enum JPEGEncoder {
    /// `quality` 1–100 (PIL's default is 75); `fullChroma` keeps 4:4:4 colour instead of 4:2:0.
    public static func encode(_ image: Image, quality: Int = 90, fullChroma: Bool = false) throws(ImageError) -> Data {
        guard image.width > 0, image.height > 0 else {
            throw ImageError(path: "<jpeg>", kind: .invalidArgument, reason: "cannot encode an empty image")
        }
        let source: Image
        switch image.channels {
        case 1, 3: source = image
        case 2: source = image.expandedToRGB()
        default: source = image.compositedOnWhite()
        }
        let bytes = source.interleaved8Bit()
        var err = [CChar](repeating: 0, count: Int(DBR_ERR_LEN))
        var out: UnsafeMutablePointer<UInt8>?
        var size = 0
        let status = dbr_jpeg_encode(
            bytes, UInt32(source.width), UInt32(source.height), Int32(source.channels), Int32(max(1, min(100, quality))),
            fullChroma ? 1 : 0, &out, &size, &err)
        defer { dbr_free(out) }
        if status != 0 { throw ImageError(path: "<jpeg>", kind: .invalidArgument, reason: "JPEG: \(cMessage(err))") }
        return Data(bytes: out!, count: size)
    }

    /// Encodes and writes atomically, so a reader never sees half a file.
    public static func write(_ image: Image, to path: String, quality: Int = 90) throws(ImageError) {
        let data = try encode(image, quality: quality)
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw ImageError(path: path, kind: .io, reason: "cannot write: \(error.localizedDescription)")
        }
    }
}
