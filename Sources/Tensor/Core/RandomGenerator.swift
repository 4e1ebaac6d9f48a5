import Foundation
import WorkerThreads

/// A counter-based random generator (Philox-4×32-10): the numbers depend only on the seed and on their
/// position in the stream, never on the thread count or the machine.
///
/// Each draw consumes a block of counters and advances `offset`, so successive calls give fresh numbers
/// and a generator can be saved and restored as two integers.
public struct RandomGenerator: Sendable, Hashable {
    /// The key of the stream.
    public var seed: UInt64
    /// Index of the next unused 128-bit block.
    public var offset: UInt64

    /// A stream for `seed`, starting at its first block.
    public init(seed: UInt64, offset: UInt64 = 0) {
        self.seed = seed
        self.offset = offset
    }

    /// The four 32-bit words of block `counter`.
    @inlinable
    static func philox(seed: UInt64, counter: UInt64) -> (UInt32, UInt32, UInt32, UInt32) {
        var c0 = UInt32(truncatingIfNeeded: counter), c1 = UInt32(truncatingIfNeeded: counter >> 32)
        var c2: UInt32 = 0, c3: UInt32 = 0
        var k0 = UInt32(truncatingIfNeeded: seed), k1 = UInt32(truncatingIfNeeded: seed >> 32)
        for _ in 0..<10 {
            let p0 = UInt64(0xD251_1F53) &* UInt64(c0)
            let p1 = UInt64(0xCD9E_8D57) &* UInt64(c2)
            let n0 = UInt32(truncatingIfNeeded: p1 >> 32) ^ c1 ^ k0
            let n2 = UInt32(truncatingIfNeeded: p0 >> 32) ^ c3 ^ k1
            c1 = UInt32(truncatingIfNeeded: p1)
            c3 = UInt32(truncatingIfNeeded: p0)
            c0 = n0
            c2 = n2
            k0 &+= 0x9E37_79B9
            k1 &+= 0xBB67_AE85
        }
        return (c0, c1, c2, c3)
    }

    /// A uniform in [0, 1) from 24 random bits (exactly representable, never 1).
    @inlinable static func unit(_ w: UInt32) -> Float { Float(w >> 8) * (1.0 / 16_777_216.0) }

    /// Fills `count` uniforms in [0, 1): element `i` comes from word `i % 4` of block `offset + i / 4`.
    mutating func fillUniform(_ out: UnsafeMutablePointer<Float>, count: Int) {
        let seed = self.seed, base = self.offset
        let blocks = (count + 3) / 4
        let box = UncheckedBox(out)
        Parallel.forRanges(blocks, grain: 4096) { r in
            for b in r {
                let (w0, w1, w2, w3) = Self.philox(seed: seed, counter: base &+ UInt64(b))
                Self.store(box.value, 4 * b, count, Self.unit(w0), Self.unit(w1), Self.unit(w2), Self.unit(w3))
            }
        }
        offset &+= UInt64(blocks)
    }

    /// Fills `count` standard normals by Box–Muller: each block gives two pairs.
    mutating func fillNormal(_ out: UnsafeMutablePointer<Float>, count: Int) {
        let seed = self.seed, base = self.offset
        let blocks = (count + 3) / 4
        let box = UncheckedBox(out)
        Parallel.forRanges(blocks, grain: 2048) { r in
            for b in r {
                let (w0, w1, w2, w3) = Self.philox(seed: seed, counter: base &+ UInt64(b))
                // 1 - u keeps the logarithm's argument in (0, 1].
                let u0 = 1 - Self.unit(w0), u1 = Self.unit(w1), u2 = 1 - Self.unit(w2), u3 = Self.unit(w3)
                let r0 = (-2 * logf(u0)).squareRoot(), r1 = (-2 * logf(u2)).squareRoot()
                let t0 = 2 * Float.pi * u1, t1 = 2 * Float.pi * u3
                Self.store(box.value, 4 * b, count, r0 * cosf(t0), r0 * sinf(t0), r1 * cosf(t1), r1 * sinf(t1))
            }
        }
        offset &+= UInt64(blocks)
    }

    /// Writes up to four values at `i`, stopping at `count`.
    @inline(__always)
    static func store(_ p: UnsafeMutablePointer<Float>, _ i: Int, _ count: Int, _ a: Float, _ b: Float, _ c: Float, _ d: Float) {
        p[i] = a
        if i + 1 < count { p[i + 1] = b }
        if i + 2 < count { p[i + 2] = c }
        if i + 3 < count { p[i + 3] = d }
    }

    /// The next integer in `0..<bound` (for shuffles and sampling).
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0)
        let (w0, w1, _, _) = Self.philox(seed: seed, counter: offset)
        offset &+= 1
        return Int((UInt64(w1) << 32 | UInt64(w0)) % UInt64(bound))
    }
}
