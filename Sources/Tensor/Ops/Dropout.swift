// Dropout with a seeded mask: reproducible runs, and checkpointed blocks that recompute the same mask.

extension Tensor {
    /// Seeded dropout: zeroes each element with probability `p` and scales the rest by 1/(1−p).
    /// The mask comes from `generator` (which advances), so a run is reproducible and a checkpointed block
    /// recomputes the same mask when given a copy of the same generator.
    public func dropout(_ p: Float, generator: inout RandomGenerator) -> Tensor {
        precondition(p >= 0 && p < 1, "dropout probability \(p) outside [0, 1)")
        if p == 0 { return self }
        let u = Tensor.uniform(shape, generator: &generator)
        let keep = 1 / (1 - p)
        let mask = u.mapElements { $0 >= p ? keep : 0 }
        return self * mask
    }
}
