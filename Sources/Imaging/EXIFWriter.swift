import Foundation

/// The smallest EXIF block that carries an orientation: what a phone writes in front of a portrait photo.
///
/// Tests and the procedural world use it to make photos that need turning, so the decoder's EXIF path is
/// exercised on files we wrote ourselves; it is the inverse of `EXIFOrientation.parse(exif:)`.
extension EXIFOrientation {
    /// An APP1 payload: `Exif\0\0`, then a big-endian TIFF header and one IFD0 entry (tag 0x0112, SHORT, 1).
    public var exifPayload: [UInt8] {
        let value = UInt8(rawValue)
        return Array("Exif".utf8) + [0, 0]
            + [0x4D, 0x4D, 0x00, 0x2A, 0x00, 0x00, 0x00, 0x08]  // "MM", 42, IFD0 at offset 8
            + [0x00, 0x01]  // one entry
            + [0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, value, 0x00, 0x00]
            + [0x00, 0x00, 0x00, 0x00]  // no next IFD
    }

    /// The orientation whose transform undoes this one's: 6 and 8 swap, the others are their own inverse.
    public var inverse: EXIFOrientation {
        switch self {
        case .rotated90Clockwise: .rotated90CounterClockwise
        case .rotated90CounterClockwise: .rotated90Clockwise
        default: self
        }
    }
}

extension Image {
    /// The pixels a camera would store for this upright picture under `orientation`, so that a viewer applying
    /// the tag (`oriented(orientation)`) shows this image again.
    public func stored(for orientation: EXIFOrientation) -> Image { oriented(orientation.inverse) }
}

extension JPEGEncoder {
    /// Encodes `upright` as a JPEG whose pixels are stored turned and whose EXIF orientation turns them back,
    /// as a phone does. The APP1 segment goes right after libjpeg's JFIF APP0 (or after SOI when there is none).
    public static func encode(
        upright: Image, orientation: EXIFOrientation, quality: Int = 90
    ) throws(ImageError) -> Data {
        let data = try encode(upright.stored(for: orientation), quality: quality)
        return insertingEXIF(orientation.exifPayload, into: data)
    }

    /// `jpeg` with an APP1 segment holding `payload` after the SOI marker and any APP0 segment.
    static func insertingEXIF(_ payload: [UInt8], into jpeg: Data) -> Data {
        let bytes = [UInt8](jpeg)
        precondition(bytes.count >= 4 && bytes[0] == 0xFF && bytes[1] == 0xD8, "not a JPEG")
        var at = 2
        if bytes.count >= 6, bytes[2] == 0xFF, bytes[3] == 0xE0 {
            at = 4 + (Int(bytes[4]) << 8 | Int(bytes[5]))
        }
        let length = payload.count + 2
        precondition(length <= 0xFFFF, "EXIF payload too large for one segment")
        let segment: [UInt8] = [0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + payload
        return Data(bytes[..<at] + segment + bytes[at...])
    }
}
