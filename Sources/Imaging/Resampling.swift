import Foundation

/// Resampling filters with PIL's definitions and supports, so `Image.resized` reproduces `PIL.Image.resize`
/// (and hence torchvision's `Resize` on PIL images, which the diffusers DreamBooth scripts use).
///
/// Resizing is a separable convolution: each output sample is a normalised weighted sum of the inputs under
/// the filter, whose support is widened by the scale factor when shrinking. That widening is the antialiasing.
public enum ResamplingFilter: String, Sendable, Codable, CaseIterable {
    case box
    case bilinear
    case hamming
    case bicubic
    case lanczos

    /// Half-width of the filter in input pixels at scale 1.
    public var support: Double {
        switch self {
        case .box: 0.5
        case .bilinear, .hamming: 1
        case .bicubic: 2
        case .lanczos: 3
        }
    }

    /// The filter's weight at distance `x` (in output-scaled units).
    public func weight(_ x: Double) -> Double {
        switch self {
        case .box:
            return x > -0.5 && x <= 0.5 ? 1 : 0
        case .bilinear:
            let x = abs(x)
            return x < 1 ? 1 - x : 0
        case .hamming:
            let x = abs(x)
            if x == 0 { return 1 }
            if x >= 1 { return 0 }
            let px = x * .pi
            return sin(px) / px * (0.54 + 0.46 * cos(px))
        case .bicubic:
            // Keys' cubic with a = -0.5, as PIL.
            let a = -0.5
            let x = abs(x)
            if x < 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
            if x < 2 { return (((x - 5) * x + 8) * x - 4) * a }
            return 0
        case .lanczos:
            guard x > -3 && x < 3 else { return 0 }
            return Self.sinc(x) * Self.sinc(x / 3)
        }
    }

    private static func sinc(_ x: Double) -> Double {
        if x == 0 { return 1 }
        let px = x * .pi
        return sin(px) / px
    }
}

/// The weights of one resampling axis: output sample `i` is the sum over `k < count[i]` of
/// `weights[i * stride + k] * input[start[i] + k]`.
struct ResamplingKernel {
    /// PIL's `PRECISION_BITS` for 8-bit images: 32 - 8 - 2.
    static let precisionBits = 22

    let start: [Int]
    let count: [Int]
    let weights: [Float]
    /// The same weights in PIL's 8-bit fixed point (22 fractional bits, rounded half away from zero).
    let fixedWeights: [Int32]
    let stride: Int

    /// PIL's construction: centre of output `i` at `(i + 0.5) * scale` in input coordinates, taps from
    /// `round(centre - support)` to `round(centre + support)` clipped to the image, weights normalised to sum 1.
    /// Only the outputs in `outputs` (all by default) are computed; entry 0 is `outputs.lowerBound`. Each
    /// output's weights depend only on its own position, so a window of outputs equals the same part of all.
    init(inputSize: Int, outputSize: Int, filter: ResamplingFilter, outputs: Range<Int>? = nil) {
        let outputs = outputs ?? 0..<outputSize
        let scale = Double(inputSize) / Double(outputSize)
        let filterScale = max(scale, 1)
        let support = filter.support * filterScale
        let stride = Int(support.rounded(.up)) * 2 + 1
        var start = [Int](repeating: 0, count: outputs.count)
        var count = [Int](repeating: 0, count: outputs.count)
        var weights = [Float](repeating: 0, count: outputs.count * stride)
        var fixedWeights = [Int32](repeating: 0, count: outputs.count * stride)
        var taps = [Double](repeating: 0, count: stride)
        for (o, i) in outputs.enumerated() {
            let center = (Double(i) + 0.5) * scale
            // C's (int) truncation, as in PIL; negative values are clipped to 0 right after.
            let low = max(Int(center - support + 0.5), 0)
            let high = min(Int(center + support + 0.5), inputSize)
            let n = max(high - low, 0)
            var total = 0.0
            for k in 0..<n {
                let w = filter.weight((Double(k + low) - center + 0.5) / filterScale)
                taps[k] = w
                total += w
            }
            for k in 0..<n {
                let w = total != 0 ? taps[k] / total : taps[k]
                weights[o * stride + k] = Float(w)
                fixedWeights[o * stride + k] = Int32(w * Double(1 << Self.precisionBits) + (w < 0 ? -0.5 : 0.5))
            }
            start[o] = low
            count[o] = n
        }
        self.start = start
        self.count = count
        self.weights = weights
        self.fixedWeights = fixedWeights
        self.stride = stride
    }
}
