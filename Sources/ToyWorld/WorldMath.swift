import Imaging

/// Deterministic arithmetic for the world: only +, −, ×, ÷ and square roots, which IEEE 754 rounds the same
/// on every machine. glibc's and Darwin's `sin` may differ in the last bit, and a last bit that flips a pixel's
/// 8-bit value would break the golden hashes, so trigonometry here is our own polynomial.
enum WorldMath {
    static let pi: Float = 3.14159265

    /// sin(x) by range reduction to [−π/2, π/2] and a degree-9 Taylor polynomial (error below 4e-6).
    static func sin(_ x: Float) -> Float {
        let twoPi = 2 * pi
        var r = x - twoPi * (x / twoPi).rounded()
        if r > pi / 2 { r = pi - r } else if r < -pi / 2 { r = -pi - r }
        let r2 = r * r
        return r * (1 + r2 * (-1.0 / 6 + r2 * (1.0 / 120 + r2 * (-1.0 / 5040 + r2 * (1.0 / 362_880)))))
    }

    static func cos(_ x: Float) -> Float { sin(x + pi / 2) }

    /// Degrees to radians.
    static func radians(_ degrees: Float) -> Float { degrees * (pi / 180) }

    /// FNV-1a over `bytes`: a stable hash (Swift's `Hasher` is seeded per process).
    static func fnv1a(_ bytes: some Sequence<UInt8>, into hash: UInt64 = 0xCBF2_9CE4_8422_2325) -> UInt64 {
        var h = hash
        for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return h
    }

    /// Mixes two 64-bit values into one seed (a SplitMix64 step over their combination).
    static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
        var g = SplitMix64(seed: a ^ (b &* 0x9E37_79B9_7F4A_7C15))
        return g.next()
    }
}

extension SplitMix64 {
    /// A uniform float in [0, 1) from the top 24 bits: exact, so every machine draws the same value.
    mutating func unit() -> Float { Float(next() >> 40) * (1.0 / 16_777_216) }

    /// A uniform float in `range`.
    mutating func uniform(_ range: ClosedRange<Float>) -> Float {
        range.lowerBound + (range.upperBound - range.lowerBound) * unit()
    }

    /// One element of `items`, uniformly.
    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }

    /// True with probability `p`.
    mutating func chance(_ p: Float) -> Bool { unit() < p }
}
