// Reductions over axes. Each keeps the reduced axes as size 1 when `keepDim` is true (as PyTorch).

extension Tensor {
    func normalizedAxes(_ axes: [Int]) -> [Int] { Array(Set(axes.map { normalizedAxis($0) })).sorted() }

    func reducedShape(_ axes: [Int], keepDim: Bool) -> [Int] {
        var s: [Int] = []
        for (i, d) in shape.enumerated() {
            if axes.contains(i) { if keepDim { s.append(1) } } else { s.append(d) }
        }
        return s
    }

    /// Raw sum over normalized axes, keeping them as size 1 (no tape).
    func sumKeepingDims(_ axes: [Int]) -> Tensor {
        var cur = self, reduced = false
        for a in axes.sorted(by: >) where cur.shape[a] != 1 {
            reduced = true
            let outer = cur.shape[..<a].reduce(1, *), r = cur.shape[a], inner = cur.shape[(a + 1)...].reduce(1, *)
            var s = cur.shape
            s[a] = 1
            let out = Tensor.empty(s)
            Tensor.sumMiddle(cur.pointer, outer: outer, r: r, inner: inner, into: out.pointer)
            cur = out
        }
        return reduced ? cur : copied()
    }

    /// Sum over `axes`.
    public func sum(axes: [Int], keepDim: Bool = false) -> Tensor {
        let ax = normalizedAxes(axes)
        let kept = sumKeepingDims(ax)
        let out = kept.reshapedRaw(reducedShape(ax, keepDim: keepDim))
        guard Tensor.recording(self) != nil else { return out }
        let inShape = shape, keptShape = kept.shape
        return out.recorded("sum", [self]) { g in [g.reshapedRaw(keptShape).expanded(to: inShape)] }
    }

    /// Sum over one axis.
    public func sum(axis: Int, keepDim: Bool = false) -> Tensor { sum(axes: [axis], keepDim: keepDim) }

    /// Sum of all elements, shape `[]`.
    public func sum() -> Tensor { sum(axes: Array(0..<rank)) }

    /// Mean over `axes`.
    public func mean(axes: [Int], keepDim: Bool = false) -> Tensor {
        let n = normalizedAxes(axes).reduce(1) { $0 * shape[$1] }
        return sum(axes: axes, keepDim: keepDim) * (1 / Float(n))
    }

    /// Mean over one axis.
    public func mean(axis: Int, keepDim: Bool = false) -> Tensor { mean(axes: [axis], keepDim: keepDim) }

    /// Mean of all elements, shape `[]`.
    public func mean() -> Tensor { mean(axes: Array(0..<rank)) }

    /// Variance over `axes`; `unbiased` divides by n−1 (PyTorch's `var` default), else by n.
    public func variance(axes: [Int], unbiased: Bool = true, keepDim: Bool = false) -> Tensor {
        let n = normalizedAxes(axes).reduce(1) { $0 * shape[$1] }
        let d = self - mean(axes: axes, keepDim: true)
        return (d * d).sum(axes: axes, keepDim: keepDim) * (1 / Float(unbiased ? n - 1 : n))
    }

    /// Maximum over one axis; the gradient goes to the first maximal element (PyTorch picks one too).
    public func max(axis: Int, keepDim: Bool = false) -> Tensor {
        let a = normalizedAxis(axis)
        let outer = shape[..<a].reduce(1, *), r = shape[a], inner = shape[(a + 1)...].reduce(1, *)
        precondition(r > 0, "max over an empty axis")
        var kept = shape
        kept[a] = 1
        let out = Tensor.empty(kept)
        var argmax = [Int32](repeating: 0, count: outer * inner)
        let x = pointer, o = out.pointer
        for oi in 0..<outer {
            for i in 0..<inner {
                var best = x[oi * r * inner + i], bi = 0
                for k in 1..<Swift.max(r, 1) {
                    let v = x[(oi * r + k) * inner + i]
                    if v > best || (v.isNaN && !best.isNaN) { best = v; bi = k }
                }
                o[oi * inner + i] = best
                argmax[oi * inner + i] = Int32(bi)
            }
        }
        let result = out.reshapedRaw(reducedShape([a], keepDim: keepDim))
        guard Tensor.recording(self) != nil else { return result }
        let inShape = shape
        return result.recorded("max", [self]) { g in
            let gi = Tensor.zeros(inShape)
            for oi in 0..<outer {
                for i in 0..<inner {
                    gi.pointer[(oi * r + Int(argmax[oi * inner + i])) * inner + i] = g.pointer[oi * inner + i]
                }
            }
            return [gi]
        }
    }

    /// Indices of the largest element along the last axis, one per row (first on ties; no gradient).
    public func argmax() -> [Int] {
        let n = shape.last ?? 1, rows = count / Swift.max(n, 1)
        precondition(n > 0, "argmax over an empty axis")
        return (0..<rows).map { r in
            let p = pointer + r * n
            var best = 0
            for j in 1..<n where p[j] > p[best] { best = j }
            return best
        }
    }

    /// Maximum of all elements, shape `[]`.
    public func max() -> Tensor { reshaped([count]).max(axis: 0) }

    /// Sums a broadcast gradient back to `target` (drops leading axes, sums where `target` has size 1).
    public func sumTo(_ target: [Int]) -> Tensor {
        if shape == target { return self }
        let lead = rank - target.count
        precondition(lead >= 0, "cannot sum shape \(shape) to \(target)")
        var axes = Array(0..<lead)
        for (i, d) in target.enumerated() where d == 1 && shape[lead + i] != 1 { axes.append(lead + i) }
        return sum(axes: axes, keepDim: true).reshaped(target)
    }

    /// Repeats size-1 (or missing leading) axes to reach `target` (the backward of a sum).
    public func expanded(to target: [Int]) -> Tensor {
        if shape == target { return self }
        precondition(StridedLayout.broadcast(shape, target) == target, "cannot expand \(shape) to \(target)")
        let full = Tensor.empty(target)
        Tensor.stridedCopy(shape: target, src: pointer, srcStrides: StridedLayout.broadcastStrides(shape, to: target),
                           dst: full.pointer, dstStrides: StridedLayout.contiguousStrides(target))
        guard Tensor.recording(self) != nil else { return full }
        let s = shape
        return full.recorded("expand", [self]) { g in [g.sumTo(s)] }
    }
}
