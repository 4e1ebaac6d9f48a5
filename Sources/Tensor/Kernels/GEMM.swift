import CBLAS
import WorkerThreads

/// The engine's only door to OpenBLAS: row-major single-precision GEMM, `C = α·op(A)·op(B) + β·C`.
///
/// Callers pass transposes as flags so no operand is ever copied to transpose it. OpenBLAS runs single-threaded;
/// a GEMM worth splitting is cut into one block of C's rows or columns per engine thread (`Parallel`). Inside a
/// parallel loop it runs on the calling thread.
@usableFromInline enum GEMM {
    /// Multiply-adds below which one thread does the whole GEMM: waking the other costs more than it saves.
    static let splitThreshold = 1 << 17

    /// `op(A)` is M×K and `op(B)` is K×N; `lda`/`ldb`/`ldc` are row strides of A, B, C as stored.
    @usableFromInline
    static func run(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
                    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                    beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        if m == 0 || n == 0 { return }
        _ = BLAS.singleThreaded
        if k == 0 {
            // BLAS leaves C untouched when K is 0 only if β is 1; make the empty sum explicit.
            if beta == 0 { for i in 0..<m { (c + i * ldc).update(repeating: 0, count: n) } }
            return
        }
        func block(rows: Range<Int>, columns: Range<Int>) {
            // Row i of op(A) starts at a + i·lda untransposed, a + i transposed; likewise column j of op(B).
            let aBlock = a + rows.lowerBound * (transA ? 1 : lda)
            let bBlock = b + columns.lowerBound * (transB ? ldb : 1)
            cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                        Int32(rows.count), Int32(columns.count), Int32(k), alpha, aBlock, Int32(lda), bBlock, Int32(ldb),
                        beta, c + rows.lowerBound * ldc + columns.lowerBound, Int32(ldc))
        }
        let threads = Parallel.threadCount
        guard threads > 1, m * n * k >= splitThreshold else { return block(rows: 0..<m, columns: 0..<n) }
        // Split the longer side of C, in whole 16-wide strips so every part keeps full-width kernel tiles.
        let splitColumns = n >= m
        let strips = ((splitColumns ? n : m) + 15) / 16
        let whole = splitColumns ? n : m
        // One chunk per thread: each chunk packs all of A (or B) again, which costs more than finer balance gains.
        Parallel.forRanges(strips, grain: Swift.max(1, strips / threads)) { r in
            let cut = Swift.min(whole, r.lowerBound * 16)..<Swift.min(whole, r.upperBound * 16)
            if splitColumns { block(rows: 0..<m, columns: cut) } else { block(rows: cut, columns: 0..<n) }
        }
    }
}
