// Embedding lookup: rows of a [V, E] table by integer id.

extension Tensor {
    /// Rows `ids` of `weight` ([V, E]) shaped `idShape + [E]`; the backward adds each row's gradient back to
    /// its id's row, in id order (deterministic with repeated ids).
    public static func embedding(_ weight: Tensor, ids: [Int], shape idShape: [Int]? = nil) -> Tensor {
        precondition(weight.rank == 2, "embedding table must be [V, E], got \(weight.shape)")
        let v = weight.shape[0], e = weight.shape[1]
        let outShape = (idShape ?? [ids.count]) + [e]
        precondition(outShape.reduce(1, *) == ids.count * e, "embedding: \(ids.count) ids do not fill \(idShape ?? [])")
        let out = Tensor.empty(outShape)
        for (i, id) in ids.enumerated() {
            precondition(id >= 0 && id < v, "embedding id \(id) outside 0..<\(v)")
            (out.pointer + i * e).update(from: weight.pointer + id * e, count: e)
        }
        guard recording(weight) != nil else { return out }
        let wShape = weight.shape
        return out.recorded("embedding", [weight]) { g in
            let gw = Tensor.zeros(wShape)
            for (i, id) in ids.enumerated() {
                let d = gw.pointer + id * e, s = g.pointer + i * e
                for j in 0..<e { d[j] += s[j] }
            }
            return [gw]
        }
    }
}
