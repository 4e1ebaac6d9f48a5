import CBLAS
import CEngineKernels
import Glibc

extension BLASCore {
    /// A check of the loaded kernels against a float64 product, before a core dbrun chose is trusted.
    public struct SelfTest: Sendable, Encodable {
        public let passed: Bool
        /// The largest error over all entries, as a fraction of its bound (≤ 1 passes).
        public let worst: Double
        /// The GEMMs checked, or the fault that stopped them.
        public let detail: String
    }

    /// Shapes with edge tiles in every dimension (odd sizes, sizes just past powers of two), each under the four
    /// transposes, plus one with α and β, so a kernel's main loop, its edges and its packing are all exercised.
    static let selfTestShapes: [(m: Int, n: Int, k: Int)] = [(1, 1, 1), (7, 13, 5), (67, 45, 83), (130, 129, 257)]

    /// Runs raw `cblas_sgemm` (single-threaded, on this thread, with faults caught) on the self-test shapes and
    /// compares each entry with a float64 product. The bound per entry is the worst case of float32 summation,
    /// K·2⁻²³·Σ|a·b|: a correct kernel is always inside it, a wrong one (a bad edge tile, a missed FMA lane, a
    /// mis-packed panel) is off by a whole product.
    public static func selfTest() -> SelfTest {
        openblas_set_num_threads(1)
        return selfTest { transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc in
            cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                        Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
        }
    }

    /// Row-major `C = α·op(A)·op(B) + β·C`, as `cblas_sgemm` takes it.
    public typealias SGEMM = (_ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
                              _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
                              _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) -> Void

    /// The self-test of any `gemm` (tests hand it wrong ones).
    public static func selfTest(_ gemm: @escaping SGEMM) -> SelfTest {
        final class Run {
            let gemm: SGEMM
            var worst = 0.0, checked = 0
            init(_ gemm: @escaping SGEMM) { self.gemm = gemm }
        }
        let run = Run(gemm)
        let fault = withExtendedLifetime(run) {
            ek_run_catching_faults({ context in
                let run = Unmanaged<Run>.fromOpaque(context!).takeUnretainedValue()
                var gen = RandomGenerator(seed: 0x5e1f)
                for (m, n, k) in BLASCore.selfTestShapes {
                    for (transA, transB) in [(false, false), (true, false), (false, true), (true, true)] {
                        let scaled = m == 67 && transA && !transB
                        let worst = BLASCore.checkGEMM(run.gemm, m: m, n: n, k: k, transA: transA, transB: transB,
                                                       alpha: scaled ? 0.5 : 1, beta: scaled ? 2 : 0, generator: &gen)
                        run.worst = max(run.worst, worst)
                        run.checked += 1
                    }
                }
            }, Unmanaged.passUnretained(run).toOpaque())
        }
        if fault != 0 {
            return SelfTest(passed: false, worst: .infinity, detail: "sgemm stopped with signal \(fault) (\(signalName(fault)))")
        }
        let shapes = selfTestShapes.map { "\($0.m)×\($0.n)×\($0.k)" }.joined(separator: ", ")
        return SelfTest(passed: run.worst <= 1, worst: run.worst,
                        detail: "\(run.checked) sgemm calls (\(shapes), each transpose) against a float64 product")
    }

    /// C = α·op(A)·op(B) + β·C once; returns the worst |error| / bound over C's entries.
    static func checkGEMM(_ gemm: SGEMM, m: Int, n: Int, k: Int, transA: Bool, transB: Bool, alpha: Float, beta: Float,
                          generator gen: inout RandomGenerator) -> Double {
        var a = [Float](repeating: 0, count: m * k), b = [Float](repeating: 0, count: k * n)
        var c = [Float](repeating: 0, count: m * n)
        a.withUnsafeMutableBufferPointer { gen.fillUniform($0.baseAddress!, count: $0.count) }
        b.withUnsafeMutableBufferPointer { gen.fillUniform($0.baseAddress!, count: $0.count) }
        c.withUnsafeMutableBufferPointer { gen.fillUniform($0.baseAddress!, count: $0.count) }
        for i in a.indices { a[i] = 2 * a[i] - 1 }
        for i in b.indices { b[i] = 2 * b[i] - 1 }
        let c0 = c
        // Stored shapes: A is M×K, or K×M when transposed; likewise B.
        let lda = transA ? m : k, ldb = transB ? k : n
        gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, &c, n)
        var worst = 0.0
        for i in 0..<m {
            for j in 0..<n {
                var exact = 0.0, magnitude = 0.0
                for p in 0..<k {
                    let x = Double(transA ? a[p * lda + i] : a[i * lda + p])
                    let y = Double(transB ? b[j * ldb + p] : b[p * ldb + j])
                    exact += x * y
                    magnitude += abs(x * y)
                }
                let expected = Double(alpha) * exact + Double(beta) * Double(c0[i * n + j])
                let scale = Double(abs(alpha)) * magnitude + Double(abs(beta)) * Double(abs(c0[i * n + j]))
                let bound = Double(k + 2) * 0x1p-23 * scale + 1e-30
                let error = abs(Double(c[i * n + j]) - expected)
                worst = max(worst, error.isNaN ? .infinity : error / bound)
            }
        }
        return worst
    }

    private static func signalName(_ signal: Int32) -> String {
        switch signal {
        case SIGILL: "an instruction this CPU does not have"
        case SIGSEGV, SIGBUS: "a bad memory access"
        case SIGFPE: "an arithmetic fault"
        default: "a fault"
        }
    }
}
