/// Bounds on what a decoder will accept, checked against the declared header before any pixel buffer exists,
/// so a 100 kB file that claims 100000×100000 pixels (a decompression bomb) costs nothing.
public struct DecodeLimits: Sendable, Equatable {
    /// Largest width × height. The default (120 megapixels) admits 108 MP phone photos; decoded as Float32 RGB
    /// such an image takes about 1.4 GB.
    public var maxPixels: Int
    /// Largest width or height on its own.
    public var maxDimension: Int
    /// Largest file read into memory.
    public var maxFileBytes: Int
    /// Largest number of scans in a progressive JPEG (real files have about 10; each scan is a pass).
    public var maxProgressiveScans: Int

    public init(
        maxPixels: Int = 120_000_000, maxDimension: Int = 65_535, maxFileBytes: Int = 512 << 20,
        maxProgressiveScans: Int = 500
    ) {
        self.maxPixels = maxPixels
        self.maxDimension = maxDimension
        self.maxFileBytes = maxFileBytes
        self.maxProgressiveScans = maxProgressiveScans
    }

    public static let `default` = DecodeLimits()

    func check(width: Int, height: Int, path: String) throws(ImageError) {
        if width <= 0 || height <= 0 {
            throw ImageError(path: path, kind: .corrupt, reason: "declares an empty image (\(width)×\(height))")
        }
        if width > maxDimension || height > maxDimension || width * height > maxPixels {
            throw ImageError(
                path: path, kind: .tooLarge,
                reason: "declares \(width)×\(height) pixels, beyond the limit of \(maxPixels) pixels"
                    + " (\(maxDimension) per side); refused before decoding")
        }
    }
}
