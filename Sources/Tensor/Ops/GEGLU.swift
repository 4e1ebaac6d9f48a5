// GEGLU, diffusers' feed-forward gate: the last axis holds a value half and a gate half, out = value · GELU(gate).
// One pass in each direction instead of two split copies, a GELU and a product (and their backward copies); the
// exact GELU uses a polynomial erf the compiler vectorises instead of a libm call per element.

extension Tensor {
    /// `[..., 2F]` → `[..., F]`: first half · GELU(second half), GELU with the exact normal CDF (as
    /// `a, g = x.chunk(2, -1); a * F.gelu(g)`). erf is Abramowitz–Stegun 7.1.26, absolute error below 1.5e-7.
    public func geglu() -> Tensor {
        let width = shape[rank - 1]
        precondition(width % 2 == 0, "geglu needs an even last dimension, got \(shape)")
        let half = width / 2, rows = count / Swift.max(width, 1)
        var outShape = shape
        outShape[rank - 1] = half
        let out = Tensor.empty(outShape)
        let src = UncheckedBox(pointer), dst = UncheckedBox(out.pointer)
        Parallel.forRanges(rows, grain: Swift.max(1, 16384 / Swift.max(half, 1))) { range in
            for r in range {
                let x = src.value + r * width, o = dst.value + r * half
                for j in 0..<half {
                    let g = x[half + j]
                    o[j] = x[j] * g * GELUMath.cdf(g)
                }
            }
        }
        guard Tensor.recording(self) != nil else { return out }
        let input = detached()
        return out.recorded("geglu", [self]) { grad in
            let gi = Tensor.empty(input.shape)
            let xs = UncheckedBox(input.pointer), gs = UncheckedBox(grad.pointer), ds = UncheckedBox(gi.pointer)
            Parallel.forRanges(rows, grain: Swift.max(1, 16384 / Swift.max(half, 1))) { range in
                for r in range {
                    let x = xs.value + r * width, go = gs.value + r * half, d = ds.value + r * width
                    for j in 0..<half {
                        let a = x[j], g = x[half + j], cdf = GELUMath.cdf(g)
                        d[j] = go[j] * g * cdf
                        // d/dg [g·Φ(g)] = Φ(g) + g·φ(g)
                        d[half + j] = go[j] * a * (cdf + g * 0.398_942_28 * FastMath.exp(-0.5 * g * g))
                    }
                }
            }
            return [gi]
        }
    }
}

/// The normal CDF through a branch-free erf, so GELU loops vectorise.
enum GELUMath {
    /// Φ(x) = (1 + erf(x/√2)) / 2.
    @inline(__always)
    static func cdf(_ x: Float) -> Float {
        let z = Swift.abs(x) * 0.707_106_78
        let t = 1 / (1 + 0.327_591_1 * z)
        var p: Float = 1.061_405_429
        p = p * t - 1.453_152_027
        p = p * t + 1.421_413_741
        p = p * t - 0.284_496_736
        p = p * t + 0.254_829_592
        let erfAbs = 1 - p * t * FastMath.exp(-z * z)
        return 0.5 * (1 + (x < 0 ? -erfAbs : erfAbs))
    }
}
