/// A 128-bit difference hash (dHash) for spotting near-duplicate training photos: two shots of the same
/// pose teach the model that pose twice, and re-encoded or resized copies of one file are a common mistake.
///
/// The image is reduced to 9×8 and 8×9 grayscale thumbnails (antialiased box filter, so noise and JPEG
/// artefacts average out); each bit says whether a thumbnail pixel is brighter than its right (resp. lower)
/// neighbour. Rescaling, recompression and small brightness changes keep nearly all bits; a different photo
/// flips about half.
public struct PerceptualHash: Sendable, Hashable, Codable, CustomStringConvertible {
    public let horizontal: UInt64
    public let vertical: UInt64

    public init(horizontal: UInt64, vertical: UInt64) {
        self.horizontal = horizontal
        self.vertical = vertical
    }

    public init(_ image: Image) {
        let gray = Self.luma(image)
        horizontal = Self.bits(gray.resized(width: 9, height: 8, filter: .box)) { t, x, y in t[0, y, x] > t[0, y, x + 1] }
        vertical = Self.bits(gray.resized(width: 8, height: 9, filter: .box)) { t, x, y in t[0, y, x] > t[0, y + 1, x] }
    }

    /// Differing bits out of 128.
    public func distance(to other: PerceptualHash) -> Int {
        (horizontal ^ other.horizontal).nonzeroBitCount + (vertical ^ other.vertical).nonzeroBitCount
    }

    /// Hashes this close or closer are reported as near-duplicates: unrelated photos differ in about 64 bits.
    public static let nearDuplicateDistance = 12

    public var description: String {
        String(horizontal, radix: 16).leftPadded(16) + String(vertical, radix: 16).leftPadded(16)
    }

    private static func bits(_ thumb: Image, _ brighter: (Image, Int, Int) -> Bool) -> UInt64 {
        var value: UInt64 = 0
        for y in 0..<8 {
            for x in 0..<8 where brighter(thumb, x, y) { value |= 1 << UInt64(y * 8 + x) }
        }
        return value
    }

    /// ITU-R 601 luma, as PIL's `convert("L")`.
    private static func luma(_ image: Image) -> Image {
        let rgb = image.channels == 4 ? image.compositedOnWhite() : image
        guard rgb.channels >= 3 else { return rgb }
        let n = rgb.planeSize
        var out = [Float](repeating: 0, count: n)
        for i in 0..<n { out[i] = 0.299 * rgb.pixels[i] + 0.587 * rgb.pixels[n + i] + 0.114 * rgb.pixels[2 * n + i] }
        return Image(width: rgb.width, height: rgb.height, channels: 1, pixels: out)
    }
}

extension String {
    fileprivate func leftPadded(_ length: Int) -> String { String(repeating: "0", count: max(0, length - count)) + self }
}
