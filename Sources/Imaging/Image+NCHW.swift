/// The value ranges images take as tensors: [0, 1] as decoded (torchvision's `ToTensor`), or [-1, 1] as
/// diffusion models are trained on (`Normalize([0.5], [0.5])`).
public enum ValueRange: String, Sendable, Codable {
    case unit
    case signed
}

extension Image {
    /// The samples as a CHW buffer in `range`: one item of an NCHW batch.
    public func planar(range: ValueRange = .unit) -> [Float] {
        switch range {
        case .unit: return pixels
        case .signed: return pixels.map { $0 * 2 - 1 }
        }
    }

    /// An image from CHW samples in `range`. Values are clamped to the range first, since model outputs
    /// overshoot it.
    public init(planar samples: [Float], width: Int, height: Int, channels: Int, range: ValueRange = .unit) {
        // Written so NaN (a diverged model) becomes 0 rather than travelling on.
        let pixels: [Float]
        switch range {
        case .unit: pixels = samples.map { $0 > 0 ? ($0 < 1 ? $0 : 1) : 0 }
        case .signed: pixels = samples.map { $0 > -1 ? ($0 < 1 ? ($0 + 1) * 0.5 : 1) : 0 }
        }
        self.init(width: width, height: height, channels: channels, pixels: pixels)
    }

    /// Concatenates same-shaped images into one NCHW buffer (shape `[images.count, C, H, W]`).
    public static func batchNCHW(_ images: [Image], range: ValueRange = .unit) -> [Float] {
        guard let first = images.first else { return [] }
        var out: [Float] = []
        out.reserveCapacity(images.count * first.pixels.count)
        for image in images {
            precondition(
                image.width == first.width && image.height == first.height && image.channels == first.channels,
                "batch images must share a shape: \(image.channels)×\(image.height)×\(image.width) vs \(first.channels)×\(first.height)×\(first.width)")
            out += image.planar(range: range)
        }
        return out
    }

    /// Splits an NCHW buffer of shape `[n, channels, height, width]` into images.
    public static func fromNCHW(_ buffer: [Float], count n: Int, channels: Int, height: Int, width: Int, range: ValueRange = .unit)
        -> [Image]
    {
        let item = channels * height * width
        precondition(buffer.count == n * item, "NCHW buffer has \(buffer.count) values, shape needs \(n * item)")
        return (0..<n).map { i in
            Image(planar: Array(buffer[i * item..<(i + 1) * item]), width: width, height: height, channels: channels, range: range)
        }
    }
}
