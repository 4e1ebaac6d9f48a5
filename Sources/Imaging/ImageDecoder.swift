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
            return try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe)
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
