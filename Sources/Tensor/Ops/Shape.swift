// Shape ops: views where the layout allows (reshape, leading-axis slices), strided copies otherwise.

extension Tensor {
    /// Same storage, new shape, no tape entry (for kernels and backward rules).
    @usableFromInline func reshapedRaw(_ newShape: [Int]) -> Tensor {
        Tensor(storage: storage, offset: offset, shape: newShape)
    }

    /// A view with a new shape of the same element count; one dimension may be -1 (inferred).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var s = newShape
        if let i = s.firstIndex(of: -1) {
            let known = s.enumerated().filter { $0.offset != i }.reduce(1) { $0 * $1.element }
            precondition(known > 0 && count % known == 0, "cannot infer -1 in \(newShape) for \(count) elements")
            s[i] = count / known
        }
        precondition(s.reduce(1, *) == count, "cannot reshape \(shape) to \(newShape)")
        let out = reshapedRaw(s)
        guard Tensor.recording(self) != nil else { return out }
        let old = shape
        return out.recorded("reshape", [self]) { g in [g.reshapedRaw(old)] }
    }

    /// Flattens the dimensions from `start` on into one.
    public func flattened(from start: Int = 0) -> Tensor {
        let s = normalizedAxis(start)
        return reshaped(Array(shape[..<s]) + [shape[s...].reduce(1, *)])
    }

    /// Dimensions reordered: result dimension `i` is input dimension `order[i]`.
    public func permuted(_ order: [Int]) -> Tensor {
        let order = order.map { normalizedAxis($0) }
        precondition(Set(order).count == rank && order.count == rank, "\(order) is not a permutation of \(rank) axes")
        let outShape = order.map { shape[$0] }
        let src = StridedLayout.contiguousStrides(shape)
        let out = Tensor.empty(outShape)
        Tensor.stridedCopy(shape: outShape, src: pointer, srcStrides: order.map { src[$0] },
                           dst: out.pointer, dstStrides: StridedLayout.contiguousStrides(outShape))
        guard Tensor.recording(self) != nil else { return out }
        var inverse = order
        for (i, o) in order.enumerated() { inverse[o] = i }
        return out.recorded("permute", [self]) { [inverse] g in [g.permuted(inverse)] }
    }

    /// Swaps two dimensions (a copy; matmul takes transposes as flags instead, without copying).
    public func transposed(_ a: Int = -2, _ b: Int = -1) -> Tensor {
        var order = Array(0..<rank)
        order.swapAt(normalizedAxis(a), normalizedAxis(b))
        return permuted(order)
    }

    /// Elements `range` along `axis`: a view for axis 0 (or when all outer dimensions are 1), else a copy.
    public func slice(axis: Int, _ range: Range<Int>) -> Tensor {
        let a = normalizedAxis(axis)
        precondition(range.lowerBound >= 0 && range.upperBound <= shape[a], "slice \(range) outside 0..<\(shape[a])")
        var outShape = shape
        outShape[a] = range.count
        let inner = shape[(a + 1)...].reduce(1, *)
        let out: Tensor
        if shape[..<a].allSatisfy({ $0 == 1 }) {
            out = Tensor(storage: storage, offset: offset + range.lowerBound * inner, shape: outShape)
        } else {
            out = Tensor.empty(outShape)
            let st = StridedLayout.contiguousStrides(shape)
            let base = pointer + range.lowerBound * st[a]
            Tensor.stridedCopy(shape: outShape, src: base, srcStrides: st,
                               dst: out.pointer, dstStrides: StridedLayout.contiguousStrides(outShape))
        }
        guard Tensor.recording(self) != nil else { return out }
        let inShape = shape
        return out.recorded("slice", [self]) { g in
            let gi = Tensor.zeros(inShape)
            let st = StridedLayout.contiguousStrides(inShape)
            Tensor.stridedCopy(shape: g.shape, src: g.pointer, srcStrides: StridedLayout.contiguousStrides(g.shape),
                               dst: gi.pointer + range.lowerBound * st[a], dstStrides: st)
            return [gi]
        }
    }

    /// Joins tensors along `axis`; all other dimensions must agree.
    public static func concat(_ parts: [Tensor], axis: Int) -> Tensor {
        precondition(!parts.isEmpty, "concat of nothing")
        let a = parts[0].normalizedAxis(axis)
        var outShape = parts[0].shape
        outShape[a] = parts.reduce(0) { $0 + $1.shape[a] }
        for p in parts {
            var s = p.shape
            s[a] = outShape[a]
            precondition(s == outShape, "concat along \(a): shapes \(parts.map(\.shape)) differ elsewhere")
        }
        let out = Tensor.empty(outShape)
        let dstStrides = StridedLayout.contiguousStrides(outShape)
        var start = 0
        for p in parts {
            Tensor.stridedCopy(shape: p.shape, src: p.pointer, srcStrides: StridedLayout.contiguousStrides(p.shape),
                               dst: out.pointer + start * dstStrides[a], dstStrides: dstStrides)
            start += p.shape[a]
        }
        guard let needs = recording(parts) else { return out }
        let sizes = parts.map { $0.shape[a] }
        return out.recorded("concat", parts) { g in
            var lo = 0
            return zip(sizes, needs).map { n, need in
                defer { lo += n }
                return need ? g.slice(axis: a, lo..<(lo + n)).contiguousCopyIfView(of: g) : nil
            }
        }
    }

    /// Joins equally shaped tensors along a new axis `axis` (`torch.stack`).
    public static func stack(_ parts: [Tensor], axis: Int = 0) -> Tensor {
        precondition(!parts.isEmpty, "stack of nothing")
        let shape = parts[0].shape
        precondition(parts.allSatisfy { $0.shape == shape }, "stack: shapes \(parts.map(\.shape)) differ")
        let a = axis < 0 ? axis + shape.count + 1 : axis
        precondition(a >= 0 && a <= shape.count, "stack axis \(axis) out of range for shape \(shape)")
        var expanded = shape
        expanded.insert(1, at: a)
        return concat(parts.map { $0.reshaped(expanded) }, axis: a)
    }

    /// A copy when `self` is a view of `other`'s storage (a gradient must not alias another gradient).
    func contiguousCopyIfView(of other: Tensor) -> Tensor { storage === other.storage ? copied() : self }

    /// Splits along `axis` into pieces of the given sizes (views for axis 0).
    public func split(_ sizes: [Int], axis: Int) -> [Tensor] {
        let a = normalizedAxis(axis)
        precondition(sizes.reduce(0, +) == shape[a], "split sizes \(sizes) do not add up to \(shape[a])")
        var lo = 0
        return sizes.map { n in
            defer { lo += n }
            return slice(axis: a, lo..<(lo + n))
        }
    }

    /// Splits along `axis` into `n` pieces of equal size (the last smaller when it does not divide, as PyTorch).
    public func chunk(_ n: Int, axis: Int) -> [Tensor] {
        let a = normalizedAxis(axis)
        let step = (shape[a] + n - 1) / n
        var sizes: [Int] = []
        var left = shape[a]
        while left > 0 { sizes.append(Swift.min(step, left)); left -= step }
        return split(sizes, axis: a)
    }

    /// Zero padding: `padding[i]` is (before, after) for dimension `rank - padding.count + i`
    /// (so `[(1, 1), (1, 1)]` pads H and W of an N×C×H×W tensor).
    public func padded(_ padding: [(Int, Int)]) -> Tensor {
        let lead = rank - padding.count
        precondition(lead >= 0, "more padded axes than dimensions")
        var outShape = shape
        var origin = 0
        let outStrides = StridedLayout.contiguousStrides(shape.enumerated().map { i, d in
            i < lead ? d : d + padding[i - lead].0 + padding[i - lead].1
        })
        for (i, p) in padding.enumerated() {
            precondition(p.0 >= 0 && p.1 >= 0, "negative padding")
            outShape[lead + i] += p.0 + p.1
            origin += p.0 * outStrides[lead + i]
        }
        let out = Tensor.zeros(outShape)
        Tensor.stridedCopy(shape: shape, src: pointer, srcStrides: StridedLayout.contiguousStrides(shape),
                           dst: out.pointer + origin, dstStrides: outStrides)
        guard Tensor.recording(self) != nil else { return out }
        let inShape = shape
        return out.recorded("pad", [self]) { g in
            let gi = Tensor.empty(inShape)
            Tensor.stridedCopy(shape: inShape, src: g.pointer + origin, srcStrides: outStrides,
                               dst: gi.pointer, dstStrides: StridedLayout.contiguousStrides(inShape))
            return [gi]
        }
    }

    static func recording(_ inputs: [Tensor]) -> [Bool]? {
        guard GradMode.isEnabled, inputs.contains(where: { $0.node != nil }) else { return nil }
        return inputs.map { $0.node != nil }
    }
}
