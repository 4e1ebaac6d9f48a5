/// The EXIF Orientation tag (0x0112): how the stored pixels must be turned to stand as the camera showed them.
///
/// Phones store the sensor's rows as read and record the rotation here; training on the stored pixels would
/// teach the model sideways subjects. The cases follow the tag's values 1–8; PIL's `ImageOps.exif_transpose`
/// (used by the diffusers DreamBooth scripts) maps them to the same transforms.
public enum EXIFOrientation: Int, Sendable, Codable, CaseIterable {
    case normal = 1
    case mirrored = 2
    case rotated180 = 3
    case flippedVertically = 4
    case transposed = 5
    /// Stored turned left: shown after a 90° clockwise turn (the usual portrait phone photo).
    case rotated90Clockwise = 6
    case transversed = 7
    case rotated90CounterClockwise = 8

    /// Whether the upright image's width is the stored height.
    public var swapsAxes: Bool { rawValue >= 5 }

    /// Reads the orientation from EXIF data: a TIFF structure, optionally preceded by `Exif\0\0` as in a JPEG
    /// APP1 segment. Returns nil when the data is malformed or has no orientation entry; values outside 1–8
    /// are ignored as PIL ignores them.
    public static func parse(exif bytes: [UInt8]) -> EXIFOrientation? {
        var tiff = bytes[...]
        if tiff.starts(with: [0x45, 0x78, 0x69, 0x66, 0, 0]) { tiff = tiff.dropFirst(6) }
        let base = tiff.startIndex
        guard tiff.count >= 8 else { return nil }
        let bigEndian: Bool
        switch (tiff[base], tiff[base + 1]) {
        case (0x4D, 0x4D): bigEndian = true
        case (0x49, 0x49): bigEndian = false
        default: return nil
        }
        func u16(_ offset: Int) -> Int? {
            guard offset >= 0, offset + 2 <= tiff.count else { return nil }
            let a = Int(tiff[base + offset]), b = Int(tiff[base + offset + 1])
            return bigEndian ? a << 8 | b : b << 8 | a
        }
        func u32(_ offset: Int) -> Int? {
            guard let high = u16(bigEndian ? offset : offset + 2), let low = u16(bigEndian ? offset + 2 : offset)
            else { return nil }
            return high << 16 | low
        }
        guard u16(2) == 42, let ifd = u32(4), let count = u16(ifd) else { return nil }
        for entry in 0..<count {
            let at = ifd + 2 + entry * 12
            guard let tag = u16(at) else { return nil }
            guard tag == 0x0112 else { continue }
            // Type SHORT (3), count 1: the value sits in the first two bytes of the value field.
            guard u16(at + 2) == 3, let value = u16(at + 8) else { return nil }
            return EXIFOrientation(rawValue: value)
        }
        return nil
    }
}

extension Image {
    /// The image turned upright according to `orientation`.
    public func oriented(_ orientation: EXIFOrientation) -> Image {
        if orientation == .normal { return self }
        let (w, h, out) = reorient(pixels, width: width, height: height, channels: channels, orientation)
        return Image(width: w, height: h, channels: channels, pixels: out)
    }
}
