import Testing
@testable import Tensor

/// Swift's own `Float16` conversions are the reference for binary16; bfloat16 is checked against rounding done in
/// Double, an independent computation.
@Suite struct HalfPrecisionTests {
    @Test func everyFloat16WidensExactly() {
        for h in 0...UInt16.max {
            let expected = Float(Float16(bitPattern: h))
            let got = HalfPrecision.float(fromFloat16Bits: h)
            if expected.isNaN {
                #expect(got.isNaN, "0x\(String(h, radix: 16))")
                #expect(got.sign == expected.sign)
            } else {
                #expect(got.bitPattern == expected.bitPattern, "0x\(String(h, radix: 16))")
            }
        }
    }

    @Test func everyFloat16SurvivesARoundTrip() {
        for h in 0...UInt16.max where !Float16(bitPattern: h).isNaN {
            let back = HalfPrecision.float16Bits(from: HalfPrecision.float(fromFloat16Bits: h))
            #expect(back == h, "0x\(String(h, radix: 16))")
        }
    }

    /// Midpoints between neighbouring Float16 values are the ties; one float above or below must round away from
    /// the tie. This covers subnormals, the normal range and the overflow threshold.
    @Test func narrowingRoundsToNearestEven() {
        var checked = 0
        for h in UInt16(0)..<0x7C00 {
            let a = Float(Float16(bitPattern: h))
            let b = Float(Float16(bitPattern: h + 1))  // 0x7C00 is +inf: the midpoint is 65520
            let mid = h + 1 == 0x7C00 ? Float(65520) : (a + b) / 2
            for x in [mid, mid.nextDown, mid.nextUp, -mid, -mid.nextUp] {
                let expected = Float16(x).bitPattern
                #expect(HalfPrecision.float16Bits(from: x) == expected, "\(x)")
                checked += 1
            }
            let even = h % 2 == 0 ? h : h + 1
            #expect(HalfPrecision.float16Bits(from: mid) == even, "tie \(mid)")
        }
        #expect(checked == 5 * 0x7C00)
    }

    @Test func narrowingMatchesSwiftOnRandomFloats() {
        var rng = SplitMix(seed: 7)
        for _ in 0..<200_000 {
            let x = Float(bitPattern: UInt32(truncatingIfNeeded: rng.next()))
            let got = HalfPrecision.float16Bits(from: x)
            if x.isNaN {
                #expect(Float16(bitPattern: got).isNaN)
                #expect((got & 0x8000 != 0) == (x.sign == .minus))
            } else {
                #expect(got == Float16(x).bitPattern, "\(x)")
            }
        }
    }

    @Test func float16SpecialValues() {
        #expect(HalfPrecision.float16Bits(from: .infinity) == 0x7C00)
        #expect(HalfPrecision.float16Bits(from: -.infinity) == 0xFC00)
        #expect(HalfPrecision.float16Bits(from: 1e10) == 0x7C00)
        #expect(HalfPrecision.float16Bits(from: 65504) == 0x7BFF)
        #expect(HalfPrecision.float16Bits(from: -0.0) == 0x8000)
        #expect(HalfPrecision.float16Bits(from: 0x1p-24) == 0x0001)  // smallest subnormal
        #expect(HalfPrecision.float16Bits(from: 0x1p-25) == 0x0000)  // tie with zero: even is zero
        #expect(HalfPrecision.float16Bits(from: Float(0x1p-25).nextUp) == 0x0001)
        #expect(HalfPrecision.float16Bits(from: .leastNonzeroMagnitude) == 0)
        #expect(HalfPrecision.float16Bits(from: .nan) & 0x7E00 == 0x7E00)
        let signalling = Float(bitPattern: 0x7FA0_0000)
        #expect(Float16(bitPattern: HalfPrecision.float16Bits(from: signalling)).isNaN)
        #expect(HalfPrecision.float(fromFloat16Bits: 0x0001) == 0x1p-24)
        #expect(HalfPrecision.float(fromFloat16Bits: 0xFC00) == -.infinity)
    }

    @Test func bfloat16MatchesRoundingInDouble() {
        var rng = SplitMix(seed: 11)
        var inputs: [Float] = [0, -0, 1, -1, .infinity, -.infinity, .greatestFiniteMagnitude,
                               -.greatestFiniteMagnitude, .leastNonzeroMagnitude, .leastNormalMagnitude]
        for _ in 0..<200_000 { inputs.append(Float(bitPattern: UInt32(truncatingIfNeeded: rng.next()))) }
        // Exact ties: low half 0x8000, with an odd and with an even kept half.
        inputs += [Float(bitPattern: 0x3F80_8000), Float(bitPattern: 0x3F81_8000), Float(bitPattern: 0x0000_8000)]
        for x in inputs {
            let got = HalfPrecision.bfloat16Bits(from: x)
            if x.isNaN {
                #expect(HalfPrecision.float(fromBFloat16Bits: got).isNaN)
                continue
            }
            #expect(got == referenceBFloat16(x), "\(x) (0x\(String(x.bitPattern, radix: 16)))")
        }
        #expect(HalfPrecision.bfloat16Bits(from: Float(bitPattern: 0x3F80_8000)) == 0x3F80)
        #expect(HalfPrecision.bfloat16Bits(from: Float(bitPattern: 0x3F81_8000)) == 0x3F82)
        #expect(HalfPrecision.bfloat16Bits(from: .greatestFiniteMagnitude) == 0x7F80)  // rounds up to inf
    }

    @Test func buffersConvertFromUnalignedMemory() {
        let values: [Float] = [0, 1, -2.5, 65504, 0x1p-24, .infinity, 3.140625]
        var bytes = [UInt8](repeating: 0, count: 1 + 2 * values.count)
        bytes.withUnsafeMutableBytes { raw in
            values.withUnsafeBufferPointer { HalfPrecision.convertFloatToFloat16($0.baseAddress!, count: values.count,
                                                                                into: raw.baseAddress! + 1) }
        }
        var back = [Float](repeating: .nan, count: values.count)
        bytes.withUnsafeBytes { raw in
            back.withUnsafeMutableBufferPointer {
                HalfPrecision.convertFloat16ToFloat(raw.baseAddress! + 1, count: values.count, into: $0.baseAddress!)
            }
        }
        #expect(back == values)
        bytes.withUnsafeMutableBytes { raw in
            values.withUnsafeBufferPointer { HalfPrecision.convertFloatToBFloat16($0.baseAddress!, count: values.count,
                                                                                 into: raw.baseAddress! + 1) }
        }
        bytes.withUnsafeBytes { raw in
            back.withUnsafeMutableBufferPointer {
                HalfPrecision.convertBFloat16ToFloat(raw.baseAddress! + 1, count: values.count, into: $0.baseAddress!)
            }
        }
        #expect(back == [0, 1, -2.5, 65536, 0x1p-24, .infinity, 3.140625])
    }
}

/// Rounds to bfloat16 by comparing distances in Double: the two candidates are the truncation and the next value up.
private func referenceBFloat16(_ x: Float) -> UInt16 {
    let truncated = UInt16(x.bitPattern >> 16)
    let down = Float(bitPattern: UInt32(truncated) << 16)
    if down == x { return truncated }
    let upBits = truncated &+ 1
    let up = Float(bitPattern: UInt32(upBits) << 16)  // may be ±inf, which is the right answer past the max
    let dDown = abs(Double(x) - Double(down))
    let dUp = up.isInfinite ? abs(Double(x) - Double(down.sign == .minus ? -0x1p128 : 0x1p128)) : abs(Double(up) - Double(x))
    if dDown < dUp { return truncated }
    if dUp < dDown { return upBits }
    return truncated % 2 == 0 ? truncated : upBits
}

/// A small deterministic generator for test inputs.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
