/// Shapes and strides for broadcasting and strided copies, with adjacent dimensions merged so inner loops
/// run as long as possible.
import WorkerThreads

@usableFromInline struct StridedLayout {
    /// Merged dimension sizes (at least one).
    @usableFromInline var shape: [Int]
    /// Per operand, element strides for `shape` (0 on broadcast dimensions).
    @usableFromInline var strides: [[Int]]

    /// Row-major strides of a contiguous tensor.
    @inlinable static func contiguousStrides(_ shape: [Int]) -> [Int] {
        var s = [Int](repeating: 1, count: shape.count)
        var acc = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            s[i] = acc
            acc *= shape[i]
        }
        return s
    }

    /// The broadcast of two shapes (NumPy rules: align right; sizes equal or one of them 1).
    static func broadcast(_ a: [Int], _ b: [Int]) -> [Int] {
        let r = Swift.max(a.count, b.count)
        var out = [Int](repeating: 1, count: r)
        for i in 0..<r {
            let da = i < r - a.count ? 1 : a[i - (r - a.count)]
            let db = i < r - b.count ? 1 : b[i - (r - b.count)]
            precondition(da == db || da == 1 || db == 1, "shapes \(a) and \(b) do not broadcast")
            out[i] = da == 1 ? db : da
        }
        return out
    }

    /// Strides that read a contiguous tensor of shape `inner` as if broadcast to `outer`.
    static func broadcastStrides(_ inner: [Int], to outer: [Int]) -> [Int] {
        let cs = contiguousStrides(inner)
        let pad = outer.count - inner.count
        return (0..<outer.count).map { i in
            i < pad ? 0 : (inner[i - pad] == 1 && outer[i] != 1 ? 0 : cs[i - pad])
        }
    }

    /// Drops size-1 dimensions and merges neighbours that are contiguous for every operand.
    init(shape: [Int], strides: [[Int]]) {
        var dims: [Int] = []
        var st: [[Int]] = Array(repeating: [], count: strides.count)
        for i in 0..<shape.count where shape[i] != 1 {
            if let last = dims.indices.last,
               strides.indices.allSatisfy({ k in st[k][last] == strides[k][i] * shape[i] }) {
                dims[last] *= shape[i]
                for k in strides.indices { st[k][last] = strides[k][i] }
            } else {
                dims.append(shape[i])
                for k in strides.indices { st[k].append(strides[k][i]) }
            }
        }
        if dims.isEmpty {
            dims = [1]
            for k in strides.indices { st[k] = [1] }
        }
        self.shape = dims
        self.strides = st
    }

    /// Number of inner rows (all dimensions but the last).
    @inlinable var rows: Int { shape.dropLast().reduce(1, *) }
    /// Length of the innermost dimension.
    @inlinable var inner: Int { shape[shape.count - 1] }

    /// Element offsets of row `row` for the first two operands (no allocation: this runs once per row).
    @inline(__always) func rowOffsets(_ row: Int) -> (Int, Int) {
        var rem = row, o0 = 0, o1 = 0
        var d = shape.count - 2
        while d >= 0 {
            let i = rem % shape[d]
            rem /= shape[d]
            o0 += i * strides[0][d]
            o1 += i * strides[1][d]
            d -= 1
        }
        return (o0, o1)
    }
}

extension Tensor {
    /// Copies `count` elements laid out by `srcStrides` over `shape` into `dst` laid out by `dstStrides`.
    static func stridedCopy(shape: [Int], src: UnsafePointer<Float>, srcStrides: [Int],
                            dst: UnsafeMutablePointer<Float>, dstStrides: [Int]) {
        if shape.contains(0) { return }
        let layout = StridedLayout(shape: shape, strides: [dstStrides, srcStrides])
        let n = layout.inner, sd = layout.strides[0].last!, ss = layout.strides[1].last!
        let s = UncheckedBox(UnsafeMutablePointer(mutating: src)), d = UncheckedBox(dst)
        Parallel.forRanges(layout.rows, grain: Swift.max(1, 16384 / Swift.max(n, 1))) { rows in
            for row in rows {
                let o = layout.rowOffsets(row)
                let dp = d.value + o.0, sp = s.value + o.1
                if sd == 1 && ss == 1 {
                    dp.update(from: sp, count: n)
                } else {
                    for i in 0..<n { dp[i * sd] = sp[i * ss] }
                }
            }
        }
    }
}
