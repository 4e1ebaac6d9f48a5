/// 8-bit planar samples (CHW), the form a JPEG decodes to and PIL's resampler works in.
///
/// The fast training path (`ImageDecoder.decode(contentsOf:shortSide:)`) stays in bytes from decoder to
/// resized image, so a 12-megapixel photo never exists as 145 MB of floats; only the small result does.
struct BytePlanes {
    var width: Int
    var height: Int
    var channels: Int
    var bytes: [UInt8]

    /// Quantises an image to bytes (round to nearest): exact for decoded 8-bit images.
    init(_ image: Image) {
        width = image.width
        height = image.height
        channels = image.channels
        bytes = Array(unsafeUninitializedCapacity: image.pixels.count) { out, count in
            image.pixels.withUnsafeBufferPointer { src in
                for i in 0..<src.count {
                    let s = src[i] * 255 + 0.5
                    out[i] = s > 0 ? (s < 255 ? UInt8(s) : 255) : 0  // NaN fails `s > 0`: 0, never a trap
                }
            }
            count = image.pixels.count
        }
    }

    init(width: Int, height: Int, channels: Int, bytes: [UInt8]) {
        precondition(bytes.count == width * height * channels)
        self.width = width
        self.height = height
        self.channels = channels
        self.bytes = bytes
    }

    /// Back to floats in [0, 1] (`v * (1/255)`, the same values the float decoders produce).
    func image() -> Image {
        let pixels = [Float](unsafeUninitializedCapacity: bytes.count) { out, count in
            bytes.withUnsafeBufferPointer { src in
                for i in 0..<src.count { out[i] = Float(src[i]) * (1 / 255) }
            }
            count = bytes.count
        }
        return Image(width: width, height: height, channels: channels, pixels: pixels)
    }

    /// The window `columns` × `rows` (inside the image).
    func cropped(columns: Range<Int>, rows: Range<Int>) -> BytePlanes {
        var out = [UInt8](repeating: 0, count: channels * columns.count * rows.count)
        bytes.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for c in 0..<channels {
                    for (r, row) in rows.enumerated() {
                        let from = src.baseAddress! + (c * height + row) * width + columns.lowerBound
                        let to = dst.baseAddress! + (c * rows.count + r) * columns.count
                        to.update(from: from, count: columns.count)
                    }
                }
            }
        }
        return BytePlanes(width: columns.count, height: rows.count, channels: channels, bytes: out)
    }

    func oriented(_ orientation: EXIFOrientation) -> BytePlanes {
        if orientation == .normal { return self }
        let (w, h, out) = reorient(bytes, width: width, height: height, channels: channels, orientation)
        return BytePlanes(width: w, height: h, channels: channels, bytes: out)
    }
}

/// Turns planar samples of any type according to `orientation`; returns the new width, height and samples.
func reorient<T>(_ pixels: [T], width w: Int, height h: Int, channels: Int, _ orientation: EXIFOrientation)
    -> (Int, Int, [T])
{
    let outW = orientation.swapsAxes ? h : w
    let outH = orientation.swapsAxes ? w : h
    // Output pixel (x, y) reads source index start + y * rowStep + x * columnStep (in one plane).
    let start: Int, rowStep: Int, columnStep: Int
    switch orientation {
    case .normal: (start, rowStep, columnStep) = (0, w, 1)
    case .mirrored: (start, rowStep, columnStep) = (w - 1, w, -1)
    case .rotated180: (start, rowStep, columnStep) = ((h - 1) * w + w - 1, -w, -1)
    case .flippedVertically: (start, rowStep, columnStep) = ((h - 1) * w, -w, 1)
    case .transposed: (start, rowStep, columnStep) = (0, 1, w)  // out(x, y) = in(y, x)
    case .rotated90Clockwise: (start, rowStep, columnStep) = ((h - 1) * w, 1, -w)  // in(y, h-1-x)
    case .transversed: (start, rowStep, columnStep) = ((h - 1) * w + w - 1, -1, -w)  // in(w-1-y, h-1-x)
    case .rotated90CounterClockwise: (start, rowStep, columnStep) = (w - 1, -1, w)  // in(w-1-y, x)
    }
    let plane = w * h
    let out = [T](unsafeUninitializedCapacity: pixels.count) { dst, count in
        pixels.withUnsafeBufferPointer { src in
            for c in 0..<channels {
                let s = src.baseAddress! + c * plane
                let d = dst.baseAddress! + c * plane
                for y in 0..<outH {
                    var i = start + y * rowStep
                    let row = d + y * outW
                    for x in 0..<outW {
                        (row + x).initialize(to: s[i])
                        i += columnStep
                    }
                }
            }
        }
        count = pixels.count
    }
    return (outW, outH, out)
}
