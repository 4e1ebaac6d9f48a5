import CImagingSupport

/// PNG to upright RGB through libpng (wrapped in C so its longjmp errors never cross Swift frames).
///
/// Every colour type and bit depth is expanded to 8- or 16-bit gray/gray+alpha/RGB/RGBA rows, converted to
/// floats at full precision (16-bit samples keep their 16 bits: v / 65535), and transparency is composited on
/// white — a transparent cut-out should train as an object on a plain background, not on whatever colour the
/// transparent pixels happen to hold. No gamma correction is applied, as PIL applies none.
enum PNGDecoder {
    static func decode(_ data: UnsafeRawBufferPointer, path: String, limits: DecodeLimits) throws(ImageError)
        -> DecodedImage
    {
        // The header sits at a fixed place (signature, IHDR length and tag, width, height): check the declared
        // size before libpng sees it, for a plain message.
        if data.count >= 26, Array(data[12..<16]) == Array("IHDR".utf8) {
            let w = data[16..<20].reduce(0) { $0 << 8 | Int($1) }
            let h = data[20..<24].reduce(0) { $0 << 8 | Int($1) }
            if w > 0 && h > 0 { try limits.check(width: w, height: h, path: path) }
            // Deflate expands at most 1032:1, so a file this small cannot hold that many pixels: a bomb within
            // the limits (or a badly truncated file), refused before the pixel buffer is allocated.
            let samples = [0: 1, 2: 3, 3: 1, 4: 2, 6: 4][Int(data[25])] ?? 1
            let packedBytes = Double(w) * Double(h) * Double(samples * Int(data[24])) / 8
            if packedBytes > Double(data.count) * 1032 {
                throw ImageError(
                    path: path, kind: .truncated,
                    reason: "PNG: \(data.count) bytes cannot hold the declared \(w)×\(h) pixels (truncated, or a decompression bomb)")
            }
        }
        var err = [CChar](repeating: 0, count: Int(DBR_ERR_LEN))
        var handle: OpaquePointer?
        var header = dbr_png_info()
        defer { dbr_png_close(handle) }
        let bytes = data.bindMemory(to: UInt8.self)
        let maxDimension = UInt32(clamping: limits.maxDimension)
        if dbr_png_open(bytes.baseAddress, bytes.count, maxDimension, &handle, &header, &err) != 0 {
            throw failure(err, path: path)
        }
        let width = Int(header.width), height = Int(header.height)
        try limits.check(width: width, height: height, path: path)

        let channels = Int(header.channels)
        let sixteen = header.bit_depth == 16
        let rowBytes = header.row_bytes
        let converter = RowConverter(width: width, height: height, channels: channels, sixteenBit: sixteen)
        // Left uninitialised (every sample is written before use): a file that claims more rows than it holds
        // fails having touched only the memory of the rows it had.
        var problem: ImageError?
        let planes = [Float](unsafeUninitializedCapacity: width * height * 3) { out, initialized in
            initialized = 0
            if header.interlaced != 0 {
                // Adam7 revisits every row once per pass: the whole image must be in memory.
                var buffer = [UInt8](repeating: 0, count: rowBytes * height)
                let status = buffer.withUnsafeMutableBufferPointer { dbr_png_read_image(handle, $0.baseAddress, rowBytes, &err) }
                if status != 0 {
                    problem = failure(err, path: path)
                    return
                }
                buffer.withUnsafeBytes { raw in
                    for y in 0..<height { converter.convert(row: raw.baseAddress! + y * rowBytes, y: y, into: out) }
                }
            } else {
                let batch = max(1, min(height, (1 << 20) / max(rowBytes, 1)))
                var buffer = [UInt8](repeating: 0, count: rowBytes * batch)
                var y = 0
                while y < height {
                    let count = min(batch, height - y)
                    let status = buffer.withUnsafeMutableBufferPointer {
                        dbr_png_read_rows(handle, $0.baseAddress, rowBytes, UInt32(count), &err)
                    }
                    if status != 0 {
                        problem = failure(err, path: path)
                        return
                    }
                    buffer.withUnsafeBytes { raw in
                        for r in 0..<count { converter.convert(row: raw.baseAddress! + r * rowBytes, y: y + r, into: out) }
                    }
                    y += count
                }
            }
            initialized = width * height * 3
        }
        if let problem { throw problem }
        var exif = [UInt8](repeating: 0, count: 1 << 16)
        var exifLength = 0
        if dbr_png_finish(handle, &exif, exif.count, &exifLength, &err) != 0 { throw failure(err, path: path) }
        var orientation = EXIFOrientation.normal
        if exifLength > 0 {
            orientation = EXIFOrientation.parse(exif: Array(exif.prefix(min(exifLength, exif.count)))) ?? .normal
        }
        let colorType: String
        switch header.source_color_type {
        case 0: colorType = "gray"
        case 2: colorType = "RGB"
        case 3: colorType = "palette"
        case 4: colorType = "gray+alpha"
        default: colorType = "RGBA"
        }
        let info = ImageInfo(
            format: .png, storedWidth: width, storedHeight: height, orientation: orientation, colorType: colorType,
            bitDepth: Int(header.source_bit_depth), hasAlpha: channels == 2 || channels == 4,
            interlaced: header.interlaced != 0, warnings: [])
        let image = Image(width: width, height: height, channels: 3, pixels: planes)
        return DecodedImage(image: image.oriented(orientation), info: info)
    }

    static func failure(_ err: [CChar], path: String) -> ImageError {
        let message = cMessage(err)
        let kind: ImageError.Kind
        if message.hasPrefix("truncated") {
            kind = .truncated
        } else if message.contains("exceeds user limit") || message.contains("too large") {
            kind = .tooLarge
        } else if message.hasPrefix("not a PNG") {
            kind = .notAnImage
        } else {
            kind = .corrupt
        }
        return ImageError(path: path, kind: kind, reason: "PNG: \(message)")
    }
}
