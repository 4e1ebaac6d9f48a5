import CImagingSupport

/// JPEG to upright RGB through libjpeg-turbo, with the settings PIL uses (accurate integer IDCT, smooth chroma
/// upsampling), so decodes agree with the reference to the last bit or nearly.
///
/// CMYK/YCCK files are refused: their inversion conventions differ between writers (Adobe stores them
/// inverted), and a wrong guess trains on a negative. A file that ends early is an error, not a grey-padded image.
enum JPEGDecoder {
    static func decode(_ data: UnsafeRawBufferPointer, path: String, limits: DecodeLimits) throws(ImageError)
        -> DecodedImage
    {
        let (planes, info) = try decodeBytes(data, path: path, limits: limits)
        return DecodedImage(image: planes.image(), info: info)
    }

    /// The upright image as RGB byte planes (gray files repeat their plane).
    static func decodeBytes(_ data: UnsafeRawBufferPointer, path: String, limits: DecodeLimits) throws(ImageError)
        -> (BytePlanes, ImageInfo)
    {
        var err = [CChar](repeating: 0, count: Int(DBR_ERR_LEN))
        var handle: OpaquePointer?
        var header = dbr_jpeg_info()
        defer { dbr_jpeg_close(handle) }
        let bytes = data.bindMemory(to: UInt8.self)
        let scans = Int32(clamping: limits.maxProgressiveScans)
        if dbr_jpeg_open(bytes.baseAddress, bytes.count, scans, &handle, &header, &err) != 0 {
            throw failure(err, path: path)
        }
        let width = Int(header.width), height = Int(header.height)
        let colorType: String
        switch header.color_space {
        case 1: colorType = "gray"
        case 2: colorType = "RGB"
        case 3: colorType = "YCbCr"
        case 4: colorType = "CMYK"
        case 5: colorType = "YCCK"
        default: colorType = "unknown"
        }
        if header.color_space == 4 || header.color_space == 5 {
            throw ImageError(
                path: path, kind: .unsupported,
                reason: "JPEG: \(colorType) colour is not supported; save the image as RGB (sRGB) and try again")
        }
        if header.color_space != 1 && header.color_space != 2 && header.color_space != 3 {
            throw ImageError(path: path, kind: .unsupported, reason: "JPEG: unsupported colour space")
        }
        try limits.check(width: width, height: height, path: path)

        let gray = header.color_space == 1
        if dbr_jpeg_start(handle, gray ? 1 : 0, &err) != 0 { throw failure(err, path: path) }
        let components = gray ? 1 : 3
        let rowBytes = width * components
        let batch = 16
        var buffer = [UInt8](repeating: 0, count: rowBytes * batch)
        let plane = width * height
        // Left uninitialised: the pages of a file that claims a large size but holds little data are never
        // touched, so such a file costs memory only for the rows it really contains before it fails.
        var problem: ImageError?
        let planes = [UInt8](unsafeUninitializedCapacity: plane * 3) { out, count in
            count = 0
            var y = 0
            while y < height {
                var got: UInt32 = 0
                let status = buffer.withUnsafeMutableBufferPointer {
                    dbr_jpeg_read_rows(handle, $0.baseAddress, rowBytes, UInt32(min(batch, height - y)), &got, &err)
                }
                if status != 0 {
                    problem = failure(err, path: path)
                    return
                }
                if got == 0 {
                    problem = ImageError(path: path, kind: .corrupt, reason: "JPEG: decoder returned no rows")
                    return
                }
                buffer.withUnsafeBytes { raw in
                    let src = raw.bindMemory(to: UInt8.self).baseAddress!
                    for r in 0..<Int(got) {
                        let row = src + r * rowBytes
                        let red = out.baseAddress! + (y + r) * width
                        if components == 1 {
                            red.update(from: row, count: width)
                        } else {
                            let green = red + plane, blue = green + plane
                            for x in 0..<width {
                                red[x] = row[3 * x]
                                green[x] = row[3 * x + 1]
                                blue[x] = row[3 * x + 2]
                            }
                        }
                    }
                }
                y += Int(got)
            }
            if dbr_jpeg_finish(handle, &err) != 0 {
                problem = failure(err, path: path)
                return
            }
            if components == 1 {
                (out.baseAddress! + plane).update(from: out.baseAddress!, count: plane)
                (out.baseAddress! + 2 * plane).update(from: out.baseAddress!, count: plane)
            }
            count = plane * 3
        }
        if let problem { throw problem }
        var first = [CChar](repeating: 0, count: Int(DBR_ERR_LEN))
        let warningCount = dbr_jpeg_warnings(handle, &first)
        var warnings: [String] = []
        if warningCount > 0 {
            warnings.append("JPEG data is damaged but decodable (\(warningCount) warning(s), first: \(cMessage(first)))")
        }
        let orientation = JPEGMarkers.exifPayload(data).flatMap { EXIFOrientation.parse(exif: $0) } ?? .normal
        let info = ImageInfo(
            format: .jpeg, storedWidth: width, storedHeight: height, orientation: orientation, colorType: colorType,
            bitDepth: 8, hasAlpha: false, interlaced: header.progressive != 0, warnings: warnings)
        let stored = BytePlanes(width: width, height: height, channels: 3, bytes: planes)
        return (stored.oriented(orientation), info)
    }

    static func failure(_ err: [CChar], path: String) -> ImageError {
        let message = cMessage(err)
        let kind: ImageError.Kind
        if message.hasPrefix("truncated") {
            kind = .truncated
        } else if message.hasPrefix("not a JPEG") {
            kind = .notAnImage
        } else if message.hasPrefix("too many progressive scans") || message.hasPrefix("Unsupported") {
            kind = .unsupported
        } else if message.contains("too large") || message.contains("Maximum supported image dimension") {
            kind = .tooLarge
        } else {
            kind = .corrupt
        }
        return ImageError(path: path, kind: kind, reason: "JPEG: \(message)")
    }
}
