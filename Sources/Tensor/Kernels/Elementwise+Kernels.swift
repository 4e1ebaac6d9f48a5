// Elementwise loops, generic over small kernel structs: under whole-module optimisation each kernel is
// specialised into its loop (no call per element), so the loops vectorise. Closure forms remain for
// backward rules and other paths that are not hot.
import WorkerThreads


/// f(x) for one element.
@usableFromInline protocol Kernel1 { func callAsFunction(_ x: Float) -> Float }
/// f(a, b) for one element pair.
@usableFromInline protocol Kernel2 { func callAsFunction(_ a: Float, _ b: Float) -> Float }
/// f(a, b, c) for one element triple.
@usableFromInline protocol Kernel3 { func callAsFunction(_ a: Float, _ b: Float, _ c: Float) -> Float }

struct ClosureKernel1: Kernel1 {
    let f: (Float) -> Float
    @inline(__always) func callAsFunction(_ x: Float) -> Float { f(x) }
}
struct ClosureKernel2: Kernel2 {
    let f: (Float, Float) -> Float
    @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { f(a, b) }
}
struct ClosureKernel3: Kernel3 {
    let f: (Float, Float, Float) -> Float
    @inline(__always) func callAsFunction(_ a: Float, _ b: Float, _ c: Float) -> Float { f(a, b, c) }
}

extension Tensor {
    /// `k(self[i])` into a fresh tensor.
    func map<K: Kernel1>(_ k: K) -> Tensor {
        let out = Tensor.empty(shape)
        let s = UncheckedBox(pointer), d = UncheckedBox(out.pointer)
        Parallel.forRanges(count) { r in
            let sp = s.value + r.lowerBound, dp = d.value + r.lowerBound
            for i in 0..<r.count { dp[i] = k(sp[i]) }
        }
        return out
    }

    /// `k(self[i], other[i])` for same-shaped tensors.
    func zipMap<K: Kernel2>(_ other: Tensor, _ k: K) -> Tensor {
        precondition(shape == other.shape, "shapes \(shape) and \(other.shape) differ")
        let out = Tensor.empty(shape)
        let a = UncheckedBox(pointer), b = UncheckedBox(other.pointer), d = UncheckedBox(out.pointer)
        Parallel.forRanges(count) { r in
            let ap = a.value + r.lowerBound, bp = b.value + r.lowerBound, dp = d.value + r.lowerBound
            for i in 0..<r.count { dp[i] = k(ap[i], bp[i]) }
        }
        return out
    }

    /// `k(self[i], b[i], c[i])` for same-shaped tensors.
    func zipMap<K: Kernel3>(_ b: Tensor, _ c: Tensor, _ k: K) -> Tensor {
        precondition(shape == b.shape && shape == c.shape, "shapes \(shape), \(b.shape), \(c.shape) differ")
        let out = Tensor.empty(shape)
        let x = UncheckedBox(pointer), y = UncheckedBox(b.pointer), z = UncheckedBox(c.pointer), d = UncheckedBox(out.pointer)
        Parallel.forRanges(count) { r in
            let lo = r.lowerBound
            let xp = x.value + lo, yp = y.value + lo, zp = z.value + lo, dp = d.value + lo
            for i in 0..<r.count { dp[i] = k(xp[i], yp[i], zp[i]) }
        }
        return out
    }

    /// `k(a, b)` with NumPy broadcasting; the innermost merged dimension runs as a tight loop.
    static func broadcast<K: Kernel2>(_ a: Tensor, _ b: Tensor, _ k: K) -> Tensor {
        if a.shape == b.shape { return a.zipMap(b, k) }
        let outShape = StridedLayout.broadcast(a.shape, b.shape)
        let out = Tensor.empty(outShape)
        if out.count == 0 { return out }
        let layout = StridedLayout(shape: outShape, strides: [
            StridedLayout.broadcastStrides(a.shape, to: outShape),
            StridedLayout.broadcastStrides(b.shape, to: outShape),
        ])
        let n = layout.inner, sa = layout.strides[0].last!, sb = layout.strides[1].last!
        let ap = UncheckedBox(a.pointer), bp = UncheckedBox(b.pointer), dp = UncheckedBox(out.pointer)
        Parallel.forRanges(layout.rows, grain: Swift.max(1, 16384 / n)) { rows in
            for row in rows {
                let o = layout.rowOffsets(row)
                let x = ap.value + o.0, y = bp.value + o.1, d = dp.value + row * n
                if sa == 1 && sb == 1 {
                    for i in 0..<n { d[i] = k(x[i], y[i]) }
                } else if sa == 1 && sb == 0 {
                    let yv = y[0]
                    for i in 0..<n { d[i] = k(x[i], yv) }
                } else if sa == 0 && sb == 1 {
                    let xv = x[0]
                    for i in 0..<n { d[i] = k(xv, y[i]) }
                } else {
                    for i in 0..<n { d[i] = k(x[i * sa], y[i * sb]) }
                }
            }
        }
        return out
    }

    // Closure forms (backward rules, rare paths).
    func mapElements(_ f: @escaping (Float) -> Float) -> Tensor { map(ClosureKernel1(f: f)) }
    func zipElements(_ o: Tensor, _ f: @escaping (Float, Float) -> Float) -> Tensor { zipMap(o, ClosureKernel2(f: f)) }
    func zipElements(_ b: Tensor, _ c: Tensor, _ f: @escaping (Float, Float, Float) -> Float) -> Tensor {
        zipMap(b, c, ClosureKernel3(f: f))
    }
    static func broadcastElements(_ a: Tensor, _ b: Tensor, _ f: @escaping (Float, Float) -> Float) -> Tensor {
        broadcast(a, b, ClosureKernel2(f: f))
    }
}

// The hot binary kernels.
struct AddKernel: Kernel2 { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a + b } }
struct SubKernel: Kernel2 { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a - b } }
struct MulKernel: Kernel2 { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a * b } }
struct DivKernel: Kernel2 { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a / b } }
struct AffineKernel: Kernel1 {
    let scale: Float, shift: Float
    @inline(__always) func callAsFunction(_ x: Float) -> Float { x * scale + shift }
}
