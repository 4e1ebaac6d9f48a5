/// An image as planar Float32 samples, channel-major (CHW): plane `c` holds row 0 left to right, then row 1, …
///
/// Planar storage is what the engine's NCHW tensors use, so a batch is a concatenation of `pixels` arrays, and
/// per-plane loops (resizing, flips) run over contiguous memory. Samples are in [0, 1]; conversions to the
/// [-1, 1] range models train on happen at the tensor boundary (see `Image+NCHW.swift`). Decoders always produce
/// 3 channels (RGB); grids and encoders also accept 1 (gray) and 4 (RGBA).
public struct Image: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public let channels: Int
    /// `channels * height * width` samples in CHW order.
    public var pixels: [Float]

    /// Wraps existing CHW samples; traps when the count does not match the shape (a programming error).
    public init(width: Int, height: Int, channels: Int = 3, pixels: [Float]) {
        precondition(width >= 0 && height >= 0 && (1...4).contains(channels), "bad image shape \(channels)×\(height)×\(width)")
        precondition(pixels.count == width * height * channels, "pixel count \(pixels.count) != \(channels)×\(height)×\(width)")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// An image filled with one value per channel (e.g. `[1, 1, 1]` for a white canvas).
    public init(width: Int, height: Int, color: [Float]) {
        precondition((1...4).contains(color.count))
        var pixels = [Float](repeating: 0, count: width * height * color.count)
        let plane = width * height
        for (c, value) in color.enumerated() where value != 0 {
            for i in c * plane..<(c + 1) * plane { pixels[i] = value }
        }
        self.init(width: width, height: height, channels: color.count, pixels: pixels)
    }

    /// Samples in one plane.
    @inlinable public var planeSize: Int { width * height }

    /// The sample at channel `c`, row `y`, column `x`.
    @inlinable public subscript(c: Int, y: Int, x: Int) -> Float {
        get { pixels[(c * height + y) * width + x] }
        set { pixels[(c * height + y) * width + x] = newValue }
    }

    /// The image as 8-bit interleaved samples (RGBRGB…), rounding to nearest: what encoders and hashes need.
    /// Decoded 8-bit values survive the round trip exactly, since `(v / 255) * 255` rounds back to `v`.
    public func interleaved8Bit() -> [UInt8] {
        let plane = planeSize
        let channels = channels
        var out = [UInt8](repeating: 0, count: plane * channels)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for c in 0..<channels {
                    let base = c * plane
                    for i in 0..<plane {
                        let v = src[base + i] * 255 + 0.5
                        dst[i * channels + c] = v > 0 ? (v < 255 ? UInt8(v) : 255) : 0  // NaN: 0, never a trap
                    }
                }
            }
        }
        return out
    }

    /// Builds an image from 8-bit interleaved samples.
    public init(interleaved8Bit bytes: [UInt8], width: Int, height: Int, channels: Int) {
        precondition(bytes.count == width * height * channels)
        let plane = width * height
        var pixels = [Float](repeating: 0, count: bytes.count)
        bytes.withUnsafeBufferPointer { src in
            pixels.withUnsafeMutableBufferPointer { dst in
                for c in 0..<channels {
                    for i in 0..<plane { dst[c * plane + i] = Float(src[i * channels + c]) * (1 / 255) }
                }
            }
        }
        self.init(width: width, height: height, channels: channels, pixels: pixels)
    }
}

extension Image: CustomStringConvertible {
    /// Shape and mean only: printing millions of samples (say, in a failed test) helps nobody.
    public var description: String {
        let mean = pixels.isEmpty ? 0 : pixels.reduce(0, +) / Float(pixels.count)
        return "Image(\(width)×\(height), \(channels) channel\(channels == 1 ? "" : "s"), mean \(mean))"
    }
}
