import Foundation

/// Reads PNG and JPEG files the way training reads them: format by signature, EXIF orientation applied,
/// transparency composited on white, 3 channels in [0, 1].
public enum ImageDecoder {
    /// Decodes the file at `path`. Throws `ImageError` naming `path` for anything unreadable.
    public static func decode(contentsOf path: String, limits: DecodeLimits = .default) throws(ImageError)
        -> DecodedImage
    {
        let data = try readFile(path, limits: limits)
        return try decode(data, path: path, limits: limits)
    }

    /// Decodes in-memory file bytes; `path` only labels errors.
    public static func decode(_ data: Data, path: String = "<memory>", limits: DecodeLimits = .default)
        throws(ImageError) -> DecodedImage
    {
        if data.isEmpty { throw ImageError(path: path, kind: .empty, reason: "empty file (0 bytes)") }
        guard let format = ImageFormat.sniff(data) else {
            if let other = ImageFormat.otherFormat(data) {
                throw ImageError(
                    path: path, kind: .unsupported,
                    reason: "\(other) image: only PNG and JPEG are read; convert it to JPEG or PNG first")
            }
            throw ImageError(path: path, kind: .notAnImage, reason: "not a PNG or JPEG file (\(describeHead(data)))")
        }
        let result: Result<DecodedImage, ImageError> = data.withUnsafeBytes { raw in
            do throws(ImageError) {
                switch format {
                case .png: return .success(try PNGDecoder.decode(raw, path: path, limits: limits))
                case .jpeg: return .success(try JPEGDecoder.decode(raw, path: path, limits: limits))
                }
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Decodes and resizes so the short side is `size` (torchvision's `Resize(size)` rule), in 8-bit
    /// arithmetic exactly as PIL does, without ever holding the full-resolution image as floats: the fast way
    /// to read a 12-megapixel photo for training. Equal to `decode(...).image.resizedShortSide(to: size,
    /// filter: filter, precision: .eightBit)`; 16-bit PNGs are rounded to 8 bits first, as PIL reads them.
    public static func decode(
        contentsOf path: String, shortSide size: Int, filter: ResamplingFilter = .bilinear,
        limits: DecodeLimits = .default
    ) throws(ImageError) -> DecodedImage {
        try decode(readFile(path, limits: limits), path: path, shortSide: size, filter: filter, limits: limits)
    }

    /// In-memory form of `decode(contentsOf:shortSide:filter:limits:)`; `path` only labels errors.
    public static func decode(
        _ data: Data, path: String = "<memory>", shortSide size: Int, filter: ResamplingFilter = .bilinear,
        limits: DecodeLimits = .default
    ) throws(ImageError) -> DecodedImage {
        precondition(size > 0)
        if data.isEmpty || ImageFormat.sniff(data) != .jpeg {
            let decoded = try decode(data, path: path, limits: limits)
            let image = decoded.image.resizedShortSide(to: size, filter: filter, precision: .eightBit)
            return DecodedImage(image: image, info: decoded.info)
        }
        let (planes, info) = try decodeJPEGBytes(data, path: path, limits: limits)
        let (w, h) = Image.shortSideSize(width: planes.width, height: planes.height, size: size)
        let resized = w == planes.width && h == planes.height
            ? planes : EightBitResampler.resize(planes, width: w, height: h, filter: filter)
        return DecodedImage(image: resized.image(), info: info)
    }

    /// A JPEG's upright RGB byte planes.
    static func decodeJPEGBytes(_ data: Data, path: String, limits: DecodeLimits) throws(ImageError)
        -> (BytePlanes, ImageInfo)
    {
        let result: Result<(BytePlanes, ImageInfo), ImageError> = data.withUnsafeBytes { raw in
            do throws(ImageError) {
                return .success(try JPEGDecoder.decodeBytes(raw, path: path, limits: limits))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Reads a whole file, refusing directories, unreadable paths and files beyond `limits.maxFileBytes`.
    static func readFile(_ path: String, limits: DecodeLimits) throws(ImageError) -> Data {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ImageError(path: path, kind: .io, reason: "no such file")
        }
        if isDirectory.boolValue { throw ImageError(path: path, kind: .io, reason: "is a directory, not an image file") }
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber,
            size.intValue > limits.maxFileBytes
        {
            throw ImageError(
                path: path, kind: .tooLarge,
                reason: "file is \(size.intValue) bytes, beyond the limit of \(limits.maxFileBytes) bytes")
        }
        do {
            // Read, not mapped: a mapped file that shrinks while we decode would kill the process (SIGBUS).
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ImageError(path: path, kind: .io, reason: "cannot read: \(error.localizedDescription)")
        }
    }

    /// A hint at what the file is instead, e.g. `starts with "hello wor"` or `starts with bytes 00 01 02 03`.
    private static func describeHead(_ data: Data) -> String {
        let head = Array(data.prefix(12))
        if head.allSatisfy({ (0x20...0x7E).contains($0) || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            let text = String(decoding: head, as: UTF8.self).replacingOccurrences(of: "\n", with: "\\n")
            return "looks like text: \"\(text)\""
        }
        return "starts with bytes " + head.prefix(8).map { String(format: "%02x", $0) }.joined(separator: " ")
    }
}

extension Image {
    /// Decodes the file at `path` as training reads it (see `ImageDecoder`).
    public init(contentsOf path: String, limits: DecodeLimits = .default) throws(ImageError) {
        self = try ImageDecoder.decode(contentsOf: path, limits: limits).image
    }
}
