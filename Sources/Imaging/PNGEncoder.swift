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
        if status != 0 { throw ImageError(path: "<png>", kind: .invalidArgument, reason: "PNG: \(PNGDecoder.text(err))") }
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
        if status != 0 { throw ImageError(path: "<jpeg>", kind: .invalidArgument, reason: "JPEG: \(PNGDecoder.text(err))") }
        return Data(bytes: out!, count: size)
    }

    public static func write(_ image: Image, to path: String, quality: Int = 90) throws(ImageError) {
        let data = try encode(image, quality: quality)
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw ImageError(path: path, kind: .io, reason: "cannot write: \(error.localizedDescription)")
        }
    }
}

extension Image {
    /// Gray (1 channel) or gray+alpha (2) to RGB (3) or RGBA (4) by repeating the gray plane.
    public func expandedToRGB() -> Image {
        guard channels <= 2 else { return self }
        let plane = planeSize
        var out = [Float](repeating: 0, count: plane * (channels + 2))
        for c in 0..<3 { out.replaceSubrange(c * plane..<(c + 1) * plane, with: pixels[0..<plane]) }
        if channels == 2 { out.replaceSubrange(3 * plane..<4 * plane, with: pixels[plane..<2 * plane]) }
        return Image(width: width, height: height, channels: channels + 2, pixels: out)
    }

    /// RGBA to RGB over a white background (what decoders do with transparency); other images unchanged.
    public func compositedOnWhite() -> Image {
        guard channels == 4 else { return self }
        let plane = planeSize
        var out = [Float](repeating: 0, count: plane * 3)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for i in 0..<plane {
                    let a = src[3 * plane + i]
                    for c in 0..<3 { dst[c * plane + i] = src[c * plane + i] * a + (1 - a) }
                }
            }
        }
        return Image(width: width, height: height, channels: 3, pixels: out)
    }
}
