import Foundation
import WorkerThreads

extension Image {
    /// The image resampled to `width`×`height` with an antialiased `filter`, as `PIL.Image.resize` does.
    ///
    /// Horizontal pass first, then vertical, each clamped to [0, 1] as PIL's 8-bit passes are, so overshoot of
    /// bicubic/Lanczos at sharp edges is cut the same way. With `.eightBit` precision each pass also rounds to
    /// the 8-bit grid as PIL does, which reproduces PIL's bytes (the fixtures agree within 1/255, nearly all
    /// exactly); `.float` keeps full precision (for 16-bit sources), within about 1.1/255 of PIL.
    public func resized(
        width newWidth: Int, height newHeight: Int, filter: ResamplingFilter = .bicubic,
        precision: ResamplingPrecision = .float
    ) -> Image {
        precondition(newWidth > 0 && newHeight > 0, "resize to \(newWidth)×\(newHeight)")
        if newWidth == width && newHeight == height { return self }
        return resized(width: newWidth, height: newHeight, columns: 0..<newWidth, rows: 0..<newHeight, filter: filter, precision: precision)
    }

    /// The part `columns` × `rows` of the image resized to `width`×`height`, computing only that part: the same
    /// samples as resizing and then cropping (each output depends only on its own kernel), without ever holding
    /// the whole resized image — which for a 1×5000 strip resized to a short side of 512 would be 2.6 M pixels
    /// wide.
    func resized(
        width newWidth: Int, height newHeight: Int, columns: Range<Int>, rows: Range<Int>, filter: ResamplingFilter,
        precision: ResamplingPrecision
    ) -> Image {
        precondition(columns.lowerBound >= 0 && columns.upperBound <= newWidth && rows.lowerBound >= 0 && rows.upperBound <= newHeight)
        if precision == .eightBit {
            return EightBitResampler.resize(
                BytePlanes(self), width: newWidth, height: newHeight, columns: columns, rows: rows, filter: filter
            ).image()
        }
        var result = self
        if newWidth != width {
            result = result.resampledHorizontally(to: newWidth, columns: columns, filter: filter)
        } else if columns.count != width {
            result = result.cropped(x: columns.lowerBound, y: 0, width: columns.count, height: height)
        }
        if newHeight != height {
            result = result.resampledVertically(to: newHeight, rows: rows, filter: filter)
        } else if rows.count != height {
            result = result.cropped(x: 0, y: rows.lowerBound, width: result.width, height: rows.count)
        }
        return result
    }

    /// Resizes so the shorter side is `size`, keeping the aspect ratio the way torchvision's `Resize(size)`
    /// does: the long side becomes `int(size * long / short)`, truncated. An image whose short side already is
    /// `size` is returned unchanged.
    public func resizedShortSide(
        to size: Int, filter: ResamplingFilter = .bilinear, precision: ResamplingPrecision = .float
    ) -> Image {
        let (w, h) = Self.shortSideSize(width: width, height: height, size: size)
        return resized(width: w, height: h, filter: filter, precision: precision)
    }

    /// The output size of `resizedShortSide`.
    public static func shortSideSize(width: Int, height: Int, size: Int) -> (width: Int, height: Int) {
        let short = min(width, height), long = max(width, height)
        let newLong = Int(Double(size * long) / Double(short))
        return width <= height ? (size, newLong) : (newLong, size)
    }

    /// A low-resolution copy for super-resolution training pairs: each side divided by `factor` (rounded down,
    /// at least 1) with an antialiased filter.
    public func downsampled(by factor: Int, filter: ResamplingFilter = .bicubic) -> Image {
        precondition(factor >= 1)
        return resized(width: max(1, width / factor), height: max(1, height / factor), filter: filter)
    }

    private func resampledHorizontally(to outputWidth: Int, columns: Range<Int>, filter: ResamplingFilter) -> Image {
        let kernel = ResamplingKernel(inputSize: width, outputSize: outputWidth, filter: filter, outputs: columns)
        let newWidth = columns.count
        let rows = channels * height  // planes are stacked rows
        let inWidth = width
        var out = [Float](repeating: 0, count: rows * newWidth)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                kernel.start.withUnsafeBufferPointer { start in
                    kernel.count.withUnsafeBufferPointer { count in
                        kernel.weights.withUnsafeBufferPointer { weights in
                            let s = src.baseAddress!, d = dst.baseAddress!, w = weights.baseAddress!
                            let stride = kernel.stride
                            parallelChunks(rows, work: rows * newWidth * stride) { range in
                                // Four rows at a time share each weight load and give four independent sums.
                                var row = range.lowerBound
                                while row + 4 <= range.upperBound {
                                    let in0 = s + row * inWidth, in1 = in0 + inWidth, in2 = in1 + inWidth
                                    let in3 = in2 + inWidth
                                    let out0 = d + row * newWidth
                                    for x in 0..<newWidth {
                                        let first = start[x]
                                        let k = w + x * stride
                                        var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
                                        for i in 0..<count[x] {
                                            let ki = k[i], j = first + i
                                            s0 += in0[j] * ki
                                            s1 += in1[j] * ki
                                            s2 += in2[j] * ki
                                            s3 += in3[j] * ki
                                        }
                                        out0[x] = clampUnit(s0)
                                        out0[x + newWidth] = clampUnit(s1)
                                        out0[x + 2 * newWidth] = clampUnit(s2)
                                        out0[x + 3 * newWidth] = clampUnit(s3)
                                    }
                                    row += 4
                                }
                                while row < range.upperBound {
                                    let input = s + row * inWidth
                                    let output = d + row * newWidth
                                    for x in 0..<newWidth {
                                        let taps = input + start[x]
                                        let k = w + x * stride
                                        var sum: Float = 0
                                        for i in 0..<count[x] { sum += taps[i] * k[i] }
                                        output[x] = clampUnit(sum)
                                    }
                                    row += 1
                                }
                            }
                        }
                    }
                }
            }
        }
        return Image(width: newWidth, height: height, channels: channels, pixels: out)
    }

    private func resampledVertically(to outputHeight: Int, rows outputRows: Range<Int>, filter: ResamplingFilter) -> Image {
        let kernel = ResamplingKernel(inputSize: height, outputSize: outputHeight, filter: filter, outputs: outputRows)
        let newHeight = outputRows.count
        let w = width, h = height
        let rows = channels * newHeight
        var out = [Float](repeating: 0, count: rows * w)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                kernel.start.withUnsafeBufferPointer { start in
                    kernel.count.withUnsafeBufferPointer { count in
                        kernel.weights.withUnsafeBufferPointer { weights in
                            let s = src.baseAddress!, d = dst.baseAddress!, wt = weights.baseAddress!
                            let stride = kernel.stride
                            parallelChunks(rows, work: rows * w * stride) { range in
                                for row in range {
                                    let c = row / newHeight, y = row % newHeight
                                    let plane = s + c * h * w
                                    let output = d + row * w
                                    let k = wt + y * stride
                                    // Accumulate whole input rows: contiguous, so the inner loop vectorises.
                                    let first = plane + start[y] * w
                                    let k0 = k[0]
                                    for x in 0..<w { output[x] = first[x] * k0 }
                                    if count[y] > 1 {
                                        for i in 1..<count[y] {
                                            let input = plane + (start[y] + i) * w
                                            let ki = k[i]
                                            for x in 0..<w { output[x] += input[x] * ki }
                                        }
                                    }
                                    for x in 0..<w { output[x] = clampUnit(output[x]) }
                                }
                            }
                        }
                    }
                }
            }
        }
        return Image(width: w, height: newHeight, channels: channels, pixels: out)
    }
}

/// How `Image.resized` rounds between and after its passes.
public enum ResamplingPrecision: String, Sendable, Codable {
    /// Full float precision.
    case float
    /// PIL's own arithmetic: samples rounded to 8 bits, 22-bit fixed-point weights, integer sums rounded after
    /// each pass. Reproduces PIL's output bytes.
    case eightBit
}

/// Clamps to [0, 1], as PIL clips each pass to 0…255.
@inline(__always)
private func clampUnit(_ v: Float) -> Float { v < 0 ? 0 : (v > 1 ? 1 : v) }

/// Runs `body` over `0..<count` split into contiguous ranges on the process's one thread budget (`Parallel`, shared
/// with the engine), once the work (about one unit per output sample) is large enough to pay for a second thread.
func parallelChunks(_ count: Int, work: Int, _ body: (Range<Int>) -> Void) {
    // Ranges of about a million work units: a split only from two million up, as before the pool was shared.
    let grain = max(1, Int((Double(count) * 1_000_000 / Double(max(work, 1))).rounded(.up)))
    Parallel.forRanges(count, grain: grain, body)
}
