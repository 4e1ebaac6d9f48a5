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

    /// Sum of `n` contiguous floats with 8 interleaved accumulators (fixed order: deterministic, and
    /// about √8 less rounding drift than one running sum).
    @inline(__always)
    static func sumContiguous(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        var a0: Float = 0, a1: Float = 0, a2: Float = 0, a3: Float = 0
        var a4: Float = 0, a5: Float = 0, a6: Float = 0, a7: Float = 0
        var i = 0
        while i + 8 <= n {
            a0 += p[i]; a1 += p[i + 1]; a2 += p[i + 2]; a3 += p[i + 3]
            a4 += p[i + 4]; a5 += p[i + 5]; a6 += p[i + 6]; a7 += p[i + 7]
            i += 8
        }
        var tail: Float = 0
        while i < n { tail += p[i]; i += 1 }
        return ((a0 + a4) + (a1 + a5)) + ((a2 + a6) + (a3 + a7)) + tail
    }
}
