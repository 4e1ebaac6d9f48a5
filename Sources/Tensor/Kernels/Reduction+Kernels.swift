import WorkerThreads

extension Tensor {
    /// Sums `[outer, R, inner]` over the middle axis into `[outer, inner]`, in a fixed order for any thread count.
    static func sumMiddle(_ x: UnsafePointer<Float>, outer: Int, r: Int, inner: Int, into out: UnsafeMutablePointer<Float>) {
        let xs = UncheckedBox(UnsafeMutablePointer(mutating: x)), os = UncheckedBox(out)
        if inner == 1 {
            Parallel.forRanges(outer, grain: Swift.max(1, 32768 / Swift.max(r, 1))) { rows in
                for o in rows { os.value[o] = sumContiguous(xs.value + o * r, r) }
            }
            return
        }
        // Split over outer rows when there are enough, else over inner columns.
        if outer >= Parallel.threadCount * 2 || inner < 1024 {
            Parallel.forRanges(outer, grain: Swift.max(1, 32768 / Swift.max(r * inner, 1))) { rows in
                for o in rows { columnSums(xs.value + o * r * inner, r: r, inner: inner, cols: 0..<inner, into: os.value + o * inner) }
            }
        } else {
            for o in 0..<outer {
                Parallel.forRanges(inner, grain: Swift.max(64, 32768 / Swift.max(r, 1))) { cols in
                    columnSums(xs.value + o * r * inner, r: r, inner: inner, cols: cols, into: os.value + o * inner)
                }
            }
        }
    }

    @inline(__always)
    static func columnSums(_ x: UnsafeMutablePointer<Float>, r: Int, inner: Int, cols: Range<Int>, into out: UnsafeMutablePointer<Float>) {
        for i in cols { out[i] = 0 }
        for k in 0..<r {
            let row = x + k * inner
            for i in cols { out[i] += row[i] }
        }
    }

    /// Sum of `n` contiguous floats in a fixed order: two 8-lane SIMD accumulators, then the tail
    /// (deterministic, vectorised, and less rounding drift than one running sum).
    @inline(__always)
    static func sumContiguous(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>()
        let raw = UnsafeRawPointer(p)
        var i = 0
        while i + 16 <= n {
            a0 += raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            a1 += raw.loadUnaligned(fromByteOffset: (i + 8) * 4, as: SIMD8<Float>.self)
            i += 16
        }
        var tail: Float = 0
        while i < n { tail += p[i]; i += 1 }
        return (a0 + a1).sum() + tail
    }

    /// Σ (p[i] − mu)², same order rules as `sumContiguous`.
    @inline(__always)
    static func sumSquaredDeviations(_ p: UnsafePointer<Float>, _ n: Int, _ mu: Float) -> Float {
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>()
        let m = SIMD8<Float>(repeating: mu)
        let raw = UnsafeRawPointer(p)
        var i = 0
        while i + 16 <= n {
            let d0 = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) - m
            let d1 = raw.loadUnaligned(fromByteOffset: (i + 8) * 4, as: SIMD8<Float>.self) - m
            a0 += d0 * d0
            a1 += d1 * d1
            i += 16
        }
        var tail: Float = 0
        while i < n { let d = p[i] - mu; tail += d * d; i += 1 }
        return (a0 + a1).sum() + tail
    }

    /// (Σ g[i], Σ g[i]·(x[i] − mu)) in one pass (norm backward).
    @inline(__always)
    static func sumAndCentredDot(_ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ n: Int, _ mu: Float) -> (Float, Float) {
        var s = SIMD8<Float>(), d = SIMD8<Float>()
        let m = SIMD8<Float>(repeating: mu)
        let gr = UnsafeRawPointer(g), xr = UnsafeRawPointer(x)
        var i = 0
        while i + 8 <= n {
            let gv = gr.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            let xv = xr.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            s += gv
            d += gv * (xv - m)
            i += 8
        }
        var ts: Float = 0, td: Float = 0
        while i < n { ts += g[i]; td += g[i] * (x[i] - mu); i += 1 }
        return (s.sum() + ts, d.sum() + td)
    }
}
