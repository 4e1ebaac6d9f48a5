import Foundation
import WorkerThreads

// Softmax and log-softmax over the last dimension (move another axis last with `permuted` first).

extension Tensor {
    /// Softmax of one row in place: e^(x − max) / Σ. Returns the log of the normaliser (max + log Σ).
    /// Max, then exponentials with their sum, then scaling: each pass vectorised, the sum in a fixed order.
    @inline(__always)
    static func softmaxRow(_ p: UnsafeMutablePointer<Float>, _ n: Int) -> Float {
        let m = maxContiguous(p, n)
        if m == -.infinity { p.update(repeating: 0, count: n); return -.infinity }
        let s = FastMath.expShiftedSum(p, n, shift: m)
        let inv = 1 / s
        for j in 0..<n { p[j] *= inv }
        return m + logf(s)
    }

    /// The largest of `n` floats (−∞ when empty), 8 lanes at a time.
    @inline(__always)
    static func maxContiguous(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        var m = SIMD8<Float>(repeating: -.infinity)
        let raw = UnsafeRawPointer(p)
        var i = 0
        while i + 8 <= n {
            // A compare-and-select lowers to maxps; `pointwiseMax`'s NaN rules do not.
            let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            m.replace(with: v, where: v .> m)
            i += 8
        }
        var tail = m.max()
        while i < n { tail = Swift.max(tail, p[i]); i += 1 }
        return tail
    }

    /// Softmax over the last dimension.
    public func softmax() -> Tensor {
        let n = shape.last ?? 1, rows = count / Swift.max(n, 1)
        let out = copied()
        let os = UncheckedBox(out.pointer)
        Parallel.forRanges(rows, grain: Swift.max(1, 4096 / Swift.max(n, 1))) { r in
            for row in r { _ = Tensor.softmaxRow(os.value + row * n, n) }
        }
        guard Tensor.recording(self) != nil else { return out }
        let yc = out.detached()
        return out.recorded("softmax", [self]) { g in
            // dx = y ⊙ (g − Σ g⊙y)
            let dx = Tensor.empty(yc.shape)
            let ys = UncheckedBox(yc.pointer), gs = UncheckedBox(g.pointer), ds = UncheckedBox(dx.pointer)
            Parallel.forRanges(rows, grain: Swift.max(1, 4096 / Swift.max(n, 1))) { r in
                for row in r {
                    let y = ys.value + row * n, gg = gs.value + row * n, d = ds.value + row * n
                    var dot: Float = 0
                    for j in 0..<n { dot += gg[j] * y[j] }
                    for j in 0..<n { d[j] = y[j] * (gg[j] - dot) }
                }
            }
            return [dx]
        }
    }

    /// Log-softmax over the last dimension: x − max − log Σ e^(x − max).
    public func logSoftmax() -> Tensor {
        let n = shape.last ?? 1, rows = count / Swift.max(n, 1)
        let out = Tensor.empty(shape)
        let xs = UncheckedBox(pointer), os = UncheckedBox(out.pointer)
        Parallel.forRanges(rows, grain: Swift.max(1, 4096 / Swift.max(n, 1))) { r in
            for row in r {
                let x = xs.value + row * n, o = os.value + row * n
                let m = Tensor.maxContiguous(x, n)
                for j in 0..<n { o[j] = FastMath.exp(x[j] - m) }
                let lse = m + logf(Tensor.sumContiguous(o, n))
                for j in 0..<n { o[j] = x[j] - lse }
            }
        }
        guard Tensor.recording(self) != nil else { return out }
        let yc = out.detached()
        return out.recorded("log_softmax", [self]) { g in
            // dx = g − softmax·Σg
            let dx = Tensor.empty(yc.shape)
            let ys = UncheckedBox(yc.pointer), gs = UncheckedBox(g.pointer), ds = UncheckedBox(dx.pointer)
            Parallel.forRanges(rows, grain: Swift.max(1, 4096 / Swift.max(n, 1))) { r in
                for row in r {
                    let y = ys.value + row * n, gg = gs.value + row * n, d = ds.value + row * n
                    let total = Tensor.sumContiguous(gg, n)
                    for j in 0..<n { d[j] = gg[j] - FastMath.exp(y[j]) * total }
                }
            }
            return [dx]
        }
    }
}
