import CBLAS

/// The engine's only door to OpenBLAS: row-major single-precision GEMM, `C = α·op(A)·op(B) + β·C`.
///
/// Callers pass transposes as flags so no operand is ever copied to transpose it. Never call this from
/// inside a `Parallel` loop: OpenBLAS runs its own threads on the same cores.
@usableFromInline enum GEMM {
    /// `op(A)` is M×K and `op(B)` is K×N; `lda`/`ldb`/`ldc` are row strides of A, B, C as stored.
    @inlinable
    static func run(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
                    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                    beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        if m == 0 || n == 0 { return }
        if k == 0 {
            // BLAS leaves C untouched when K is 0 only if β is 1; make the empty sum explicit.
            if beta == 0 { for i in 0..<m { (c + i * ldc).update(repeating: 0, count: n) } }
            return
        }
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}
