/// The container formats dbrun reads, recognised by their first bytes rather than the file name, so a JPEG
/// named `.png` still decodes and a text file named `.png` is reported as what it is.
public enum ImageFormat: String, Sendable, Codable {
    case png
    case jpeg

    /// The format whose signature `bytes` start with, or nil.
    public static func sniff<C: Collection>(_ bytes: C) -> ImageFormat? where C.Element == UInt8 {
        let head = Array(bytes.prefix(8))
        if head == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] { return .png }
        if head.count >= 3, head[0] == 0xFF, head[1] == 0xD8, head[2] == 0xFF { return .jpeg }
        return nil
    }

    /// Names other image formats people try to train on (iPhones save HEIC by default), so the error can say
    /// what the file is and what to do instead of calling it garbage.
    public static func otherFormat<C: Collection>(_ bytes: C) -> String? where C.Element == UInt8 {
        let head = Array(bytes.prefix(16))
        func starts(_ prefix: [UInt8], at offset: Int = 0) -> Bool {
            head.count >= offset + prefix.count && Array(head[offset..<offset + prefix.count]) == prefix
        }
        if starts(Array("ftyp".utf8), at: 4) {
            let brand = head.count >= 12 ? String(decoding: head[8..<12], as: UTF8.self) : ""
            if brand.hasPrefix("avi") { return "AVIF" }
            if ["heic", "heix", "hevc", "heim", "heis", "mif1", "msf1"].contains(brand) { return "HEIC/HEIF" }
            return nil
        }
        if starts(Array("RIFF".utf8)) && starts(Array("WEBP".utf8), at: 8) { return "WebP" }
        if starts(Array("GIF8".utf8)) { return "GIF" }
        if starts(Array("BM".utf8)) && head.count >= 14 { return "BMP" }
        if starts([0x49, 0x49, 0x2A, 0x00]) || starts([0x4D, 0x4D, 0x00, 0x2A]) { return "TIFF" }
        return nil
    }
}

/// What a decoder learned about a file besides its pixels: what `dbrun image check` reports.
public struct ImageInfo: Sendable, Equatable, Codable {
    public var format: ImageFormat
    /// Size as stored, before the EXIF orientation is applied.
    public var storedWidth: Int
    public var storedHeight: Int
    public var orientation: EXIFOrientation
    /// The file's colour model: `gray`, `gray+alpha`, `RGB`, `RGBA`, `palette` (PNG); `YCbCr`, `gray`, `RGB`,
    /// `CMYK`, `YCCK` (JPEG).
    public var colorType: String
    /// Bits per sample as stored (1, 2, 4, 8 or 16).
    public var bitDepth: Int
    /// True when the file carries transparency (an alpha channel or tRNS); it was composited on white.
    public var hasAlpha: Bool
    /// Adam7-interlaced PNG or progressive JPEG.
    public var interlaced: Bool
    /// Problems the decoder worked around (e.g. libjpeg's "corrupt JPEG data" warnings).
    public var warnings: [String]

    /// Size after the orientation is applied: what training sees.
    public var width: Int { orientation.swapsAxes ? storedHeight : storedWidth }
    public var height: Int { orientation.swapsAxes ? storedWidth : storedHeight }
}

/// A decoded image, upright and RGB, with what was learned about the file.
public struct DecodedImage: Sendable {
    public var image: Image
    public var info: ImageInfo
}
