extension Tensor {
    /// Applies `f` to every element into a fresh tensor (split over threads for large tensors).
    @inline(__always)
    func mapElements(_ f: (Float) -> Float) -> Tensor {
        let out = Tensor.empty(shape)
        let s = UncheckedBox(pointer), d = UncheckedBox(out.pointer)
        withoutActuallyEscaping(f) { f in
            let fb = UncheckedBox(f)
            Parallel.forRanges(count) { r in
                let sp = s.value, dp = d.value, f = fb.value
                for i in r { dp[i] = f(sp[i]) }
            }
        }
        return out
    }

    /// `f(self[i], other[i])` for same-shaped tensors.
    @inline(__always)
    func zipElements(_ other: Tensor, _ f: (Float, Float) -> Float) -> Tensor {
        precondition(shape == other.shape, "shapes \(shape) and \(other.shape) differ")
        let out = Tensor.empty(shape)
        let a = UncheckedBox(pointer), b = UncheckedBox(other.pointer), d = UncheckedBox(out.pointer)
        withoutActuallyEscaping(f) { f in
            let fb = UncheckedBox(f)
            Parallel.forRanges(count) { r in
                let ap = a.value, bp = b.value, dp = d.value, f = fb.value
                for i in r { dp[i] = f(ap[i], bp[i]) }
            }
        }
        return out
    }

    /// `f(self[i], b[i], c[i])` for same-shaped tensors (fused backward rules).
    @inline(__always)
    func zipElements(_ b: Tensor, _ c: Tensor, _ f: (Float, Float, Float) -> Float) -> Tensor {
        precondition(shape == b.shape && shape == c.shape, "shapes \(shape), \(b.shape), \(c.shape) differ")
        let out = Tensor.empty(shape)
        let x = UncheckedBox(pointer), y = UncheckedBox(b.pointer), z = UncheckedBox(c.pointer), d = UncheckedBox(out.pointer)
        withoutActuallyEscaping(f) { f in
            let fb = UncheckedBox(f)
            Parallel.forRanges(count) { r in
                let xp = x.value, yp = y.value, zp = z.value, dp = d.value, f = fb.value
                for i in r { dp[i] = f(xp[i], yp[i], zp[i]) }
            }
        }
        return out
    }

    /// `f(a, b)` with NumPy broadcasting.
    @inline(__always)
    static func broadcastElements(_ a: Tensor, _ b: Tensor, _ f: (Float, Float) -> Float) -> Tensor {
        if a.shape == b.shape { return a.zipElements(b, f) }
        let outShape = StridedLayout.broadcast(a.shape, b.shape)
        let out = Tensor.empty(outShape)
        if out.count == 0 { return out }
        let layout = StridedLayout(shape: outShape, strides: [
            StridedLayout.broadcastStrides(a.shape, to: outShape),
            StridedLayout.broadcastStrides(b.shape, to: outShape),
        ])
        let n = layout.inner, sa = layout.strides[0].last!, sb = layout.strides[1].last!
        let ap = UncheckedBox(a.pointer), bp = UncheckedBox(b.pointer), dp = UncheckedBox(out.pointer)
        withoutActuallyEscaping(f) { f in
            let fb = UncheckedBox(f)
            Parallel.forRanges(layout.rows, grain: Swift.max(1, 16384 / n)) { rows in
                let f = fb.value
                for row in rows {
                    let o = layout.rowOffsets(row)
                    let x = ap.value + o[0], y = bp.value + o[1], d = dp.value + row * n
                    if sa == 1 && sb == 1 {
                        for i in 0..<n { d[i] = f(x[i], y[i]) }
                    } else if sa == 1 && sb == 0 {
                        let yv = y[0]
                        for i in 0..<n { d[i] = f(x[i], yv) }
                    } else if sa == 0 && sb == 1 {
                        let xv = x[0]
                        for i in 0..<n { d[i] = f(xv, y[i]) }
                    } else {
                        for i in 0..<n { d[i] = f(x[i * sa], y[i * sb]) }
                    }
                }
            }
        }
        return out
    }
}
