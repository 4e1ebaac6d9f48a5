/// A tiny seeded generator for crops and flips, so the same seed gives the same training crops on every
/// machine. Imaging keeps its own (the engine has its own RNG) to stay independent of the engine.
///
/// SplitMix64 (Steele, Lea, Flood 2014): one 64-bit add and a mix per draw; good enough statistics for picking
/// offsets, and trivially reproducible.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform integer in `0..<bound` (Lemire's multiply-shift with rejection, so no modulo bias).
    public mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0)
        let b = UInt64(bound)
        while true {
            let product = next().multipliedFullWidth(by: b)
            if product.low >= (0 &- b) % b { return Int(product.high) }
        }
    }

    /// True with probability 1/2.
    public mutating func coin() -> Bool { next() >> 63 == 1 }
}
