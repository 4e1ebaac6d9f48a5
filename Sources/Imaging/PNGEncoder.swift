import CImagingSupport
import Foundation

/// 8-bit PNG output for samples and grids.
///
/// Bytes are deterministic for a given image and libpng/zlib build (no time or text chunks), so a stage that
/// writes the same pixels writes the same file and its content hash — the cache key downstream — stays put.
public enum PNGEncoder {
    /// Encodes a 3-channel image as RGB or a 4-channel one as RGBA; a 1-channel image is written as gray RGB.
    public static func encode(_ image: Image, compressionLevel: Int = 6) throws(ImageError) -> Data {
        guard image.width > 0, image.height > 0 else {
            throw ImageError(path: "<png>", kind: .invalidArgument, reason: "cannot encode an empty image")
        }
        let source = image.channels == 1 || image.channels == 2 ? image.expandedToRGB() : image
        let bytes = source.interleaved8Bit()
        var err = [CChar](repeating: 0, count: Int(DBR_ERR_LEN))
        var out: UnsafeMutablePointer<UInt8>?
        var size = 0
        let status = dbr_png_encode(
            bytes, UInt32(source.width), UInt32(source.height), Int32(source.channels),
            Int32(max(0, min(9, compressionLevel))), &out, &size, &err)
        defer { dbr_free(out) }
        if status != 0 { throw ImageError(path: "<png>", kind: .invalidArgument, reason: "PNG: \(cMessage(err))") }
        return Data(bytes: out!, count: size)
    }

    /// Encodes and writes atomically, so a reader never sees half a file.
    public static func write(_ image: Image, to path: String) throws(ImageError) {
        let data = try encode(image)
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw ImageError(path: path, kind: .io, reason: "cannot write: \(error.localizedDescription)")
        }
    }
}
