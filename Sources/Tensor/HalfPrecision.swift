// Float16 / BFloat16 ↔ Float32 conversion over whole buffers.
//
// Checkpoints arrive as F16 or BF16 and fine-tuned weights leave as F16, so these loops run over every weight of a
// model. They are written as branch-free integer arithmetic on bit patterns so the compiler can vectorise them, and
// they read sources through unaligned loads because a tensor inside a memory-mapped file need not be aligned.
// Rounding is IEEE round-to-nearest-even, subnormals are kept (never flushed), ±inf stays ±inf and NaN stays NaN
// (quieted, sign and top payload bits kept, as the F16C instructions do).

/// Conversions between Float32 and the two 16-bit float formats found in checkpoints.
public enum HalfPrecision {
    // MARK: Scalars

    /// The Float32 value of an IEEE binary16 bit pattern (exact: every Float16 is a Float32).
    @inlinable @inline(__always)
    public static func float(fromFloat16Bits h: UInt16) -> Float {
        let bits = UInt32(h)
        let sign = (bits & 0x8000) << 16
        let magnitude = bits & 0x7FFF
        // Normal numbers: move exponent and mantissa up, rebias the exponent (15 → 127).
        let normal = (magnitude << 13) &+ 0x3800_0000
        // Inf/NaN (exponent all ones): the rebias must land on Float32's all-ones exponent.
        let special = (magnitude << 13) | 0x7F80_0000
        // Subnormals (and zero): value = mantissa × 2⁻²⁴, exact in Float32.
        let subnormal = (Float(magnitude) * 0x1p-24).bitPattern
        let isSpecial = magnitude >= 0x7C00
        let isSubnormal = magnitude < 0x0400
        let result = isSpecial ? special : (isSubnormal ? subnormal : normal)
        return Float(bitPattern: result | sign)
    }

    /// The IEEE binary16 bit pattern nearest to `x` (ties to even); overflow gives ±inf.
    @inlinable @inline(__always)
    public static func float16Bits(from x: Float) -> UInt16 {
        let bits = x.bitPattern
        let sign = (bits >> 16) & 0x8000
        let magnitude = bits & 0x7FFF_FFFF
        // NaN: quiet it, keep the top 9 payload bits.
        let nan = 0x7E00 | ((magnitude >> 13) & 0x03FF)
        // Normal range: add half an ulp minus one plus the kept lowest bit (ties to even), then truncate.
        let lsb = (magnitude >> 13) & 1
        let rounded = (magnitude &+ 0x0FFF &+ lsb) >> 13
        let normal = rounded &- ((127 - 15) << 10)  // rebias; a carry into the exponent is the correct result
        // Below the smallest normal Float16 (2⁻¹⁴): scale by 2²⁴ and let the FPU round to an integer count of
        // subnormal steps. Adding 0.5 × 2²³ puts the value's integer part in the mantissa, rounded to even.
        let scaled = Float(bitPattern: magnitude) * 0x1p24
        let subnormal = (scaled + 0x1p23).bitPattern &- 0x4B00_0000
        let isNaN = magnitude > 0x7F80_0000
        let overflows = magnitude >= 0x477F_F000  // ≥ 65520 rounds to inf
        let isSubnormal = magnitude < 0x3880_0000  // < 2⁻¹⁴
        let body = isNaN ? nan : (overflows ? 0x7C00 : (isSubnormal ? subnormal : normal))
        return UInt16(truncatingIfNeeded: body | sign)
    }

    /// The Float32 value of a bfloat16 bit pattern (exact: bfloat16 is the top half of a Float32).
    @inlinable @inline(__always)
    public static func float(fromBFloat16Bits b: UInt16) -> Float {
        Float(bitPattern: UInt32(b) << 16)
    }

    /// The bfloat16 bit pattern nearest to `x` (ties to even); NaN stays a quiet NaN.
    @inlinable @inline(__always)
    public static func bfloat16Bits(from x: Float) -> UInt16 {
        let bits = x.bitPattern
        let isNaN = (bits & 0x7FFF_FFFF) > 0x7F80_0000
        let lsb = (bits >> 16) & 1
        let rounded = (bits &+ 0x7FFF &+ lsb) >> 16
        let result = isNaN ? ((bits >> 16) | 0x0040) : rounded
        return UInt16(truncatingIfNeeded: result)
    }

    // MARK: Buffers

    /// Widens `count` little-endian Float16 values at `source` (any alignment) into `destination`.
    public static func convertFloat16ToFloat(
        _ source: UnsafeRawPointer, count: Int, into destination: UnsafeMutablePointer<Float>
    ) {
        for i in 0..<count {
            let h = UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
            destination[i] = float(fromFloat16Bits: h)
        }
    }

    /// Widens `count` little-endian bfloat16 values at `source` (any alignment) into `destination`.
    public static func convertBFloat16ToFloat(
        _ source: UnsafeRawPointer, count: Int, into destination: UnsafeMutablePointer<Float>
    ) {
        for i in 0..<count {
            let b = UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
            destination[i] = float(fromBFloat16Bits: b)
        }
    }

    /// Narrows `count` floats to little-endian Float16 bit patterns at `destination` (any alignment).
    public static func convertFloatToFloat16(
        _ source: UnsafePointer<Float>, count: Int, into destination: UnsafeMutableRawPointer
    ) {
        for i in 0..<count {
            destination.storeBytes(
                of: float16Bits(from: source[i]).littleEndian, toByteOffset: 2 * i, as: UInt16.self)
        }
    }

    /// Narrows `count` floats to little-endian bfloat16 bit patterns at `destination` (any alignment).
    public static func convertFloatToBFloat16(
        _ source: UnsafePointer<Float>, count: Int, into destination: UnsafeMutableRawPointer
    ) {
        for i in 0..<count {
            destination.storeBytes(
                of: bfloat16Bits(from: source[i]).littleEndian, toByteOffset: 2 * i, as: UInt16.self)
        }
    }
}
