import Foundation
import CEngineKernels

/// Elementwise math the compiler can vectorise on baseline x86-64 (no libm calls in the hot loop).
@usableFromInline enum FastMath {
    /// e^x to about 2 ulp over the normal range; flushes below e^-87 to 0 and saturates above e^88.
    @inlinable @inline(__always)
    static func exp(_ x: Float) -> Float {
        let xc = Swift.min(Swift.max(x, -87.3), 88.7)
        // Round x·log2(e) to the nearest integer with the 1.5·2^23 trick (no SSE4.1 needed).
        let magic: Float = 12_582_912
        let shifted = xc * 1.442_695_04 + magic
        let n = shifted - magic
        let r = xc - n * 0.693_145_75 - n * 1.428_606_8e-6
        // Taylor polynomial of e^r on |r| ≤ ln2/2: relative error below 2e-7.
        var p: Float = 1.0 / 720
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        // 2^n from the integer already sitting in the low mantissa bits of `shifted` (no float→int convert,
        // so the loop stays in SSE2 integer ops).
        let ni = shifted.bitPattern &- magic.bitPattern
        let scale = Float(bitPattern: (ni &+ 127) &<< 23)
        return p * scale
    }

    /// erf by Abramowitz & Stegun 7.1.26 (absolute error below 1.5e-7): vectorisable, unlike libm's erff.
    @inlinable @inline(__always)
    static func erf(_ x: Float) -> Float {
        let ax = Swift.abs(x)
        let t = 1 / (1 + 0.327_591_1 * ax)
        let poly = ((((1.061_405_429 * t - 1.453_152_027) * t + 1.421_413_741) * t - 0.284_496_736) * t + 0.254_829_592) * t
        let y = 1 - poly * exp(-(ax * ax))
        return x < 0 ? -y : y
    }

    /// 1 / (1 + e^-x), stable for both signs.
    @inlinable @inline(__always)
    static func sigmoid(_ x: Float) -> Float { 1 / (1 + exp(-x)) }

    /// tanh via e^(-2|x|), stable for large |x|.
    @inlinable @inline(__always)
    static func tanh(_ x: Float) -> Float {
        let e = exp(-2 * Swift.abs(x))
        let t = (1 - e) / (1 + e)
        return x < 0 ? -t : t
    }

    /// Replaces `p[0..<n]` by e^(p − shift) and returns their sum, in one ISA-dispatched pass (16 fixed
    /// accumulator lanes: the same bits whichever clone runs).
    @inline(__always)
    static func expShiftedSum(_ p: UnsafeMutablePointer<Float>, _ n: Int, shift: Float) -> Float {
        ek_exp_inplace_sum(p, n, shift)
    }
}
