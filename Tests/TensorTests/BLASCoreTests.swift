import Glibc
import Testing
@testable import Tensor

@Suite struct BLASCoreTests {
    typealias ISA = CPUInfo.VectorISA

    @Test(arguments: [
        // A generic core on a CPU that can do better: restart with the matching core.
        (ISA.avx512BF16, "Prescott", "Cooperlake"),
        (.avx512, "Prescott", "SkylakeX"),
        (.avx2FMA, "Nehalem", "Haswell"),
        (.avx2FMA, "Sandybridge", "Haswell"),
        (.avx512BF16, "PRESCOTT", "Cooperlake"),
    ])
    func aGenericCoreOnABetterCPURestarts(cpu: ISA, loaded: String, expected: String) {
        guard case .restart(let core, let reason) = BLASCore.plan(cpu: cpu, loaded: loaded, userCoreType: nil, mode: nil) else {
            Issue.record("expected a restart for \(loaded) on \(cpu)")
            return
        }
        #expect(core == expected)
        #expect(reason.contains(loaded) && reason.contains("generic"), "\(reason)")
    }

    @Test(arguments: [
        // OpenBLAS's choice already uses AVX2 or better: its own (deliberate) choice stands.
        (ISA.avx512BF16, "Haswell"), (.avx512BF16, "Zen"), (.avx512, "SkylakeX"), (.avx512BF16, "Cooperlake"),
        // Nothing faster applies, or the name is not an x86-64 core this table knows.
        (.avx, "Sandybridge"), (.sse, "Prescott"), (.avx512, "NEOVERSEN1"),
    ])
    func otherwiseOpenBLASsChoiceStands(cpu: ISA, loaded: String) {
        #expect(BLASCore.plan(cpu: cpu, loaded: loaded, userCoreType: nil, mode: nil).isKeep)
    }

    @Test func theUsersCoreTypeWinsUnlessTheyAskForTheBest() {
        let kept = BLASCore.plan(cpu: .avx512BF16, loaded: "Prescott", userCoreType: "Prescott", mode: nil)
        #expect(kept == .keep(reason: "set by OPENBLAS_CORETYPE=Prescott"))
        let best = BLASCore.plan(cpu: .avx512BF16, loaded: "Prescott", userCoreType: "Prescott", mode: "best")
        guard case .restart(let core, let reason) = best else {
            Issue.record("DBRUN_BLAS_CORE=best should restart: \(best)")
            return
        }
        #expect(core == "Cooperlake")
        #expect(reason.contains("OPENBLAS_CORETYPE=Prescott"))
        #expect(BLASCore.plan(cpu: .avx512BF16, loaded: "Prescott", userCoreType: nil, mode: "openblas").isKeep)
    }

    @Test func vectorISANeedsTheOSToSaveTheRegisters() {
        let all: Set = ["avx", "fma", "avx2", "avx512f", "avx512dq", "avx512bw", "avx512vl", "avx512_bf16"]
        #expect(CPUInfo.vectorISA(flags: all, osSavesYMM: true, osSavesZMM: true) == .avx512BF16)
        #expect(CPUInfo.vectorISA(flags: all.subtracting(["avx512_bf16"]), osSavesYMM: true, osSavesZMM: true) == .avx512)
        #expect(CPUInfo.vectorISA(flags: all, osSavesYMM: true, osSavesZMM: false) == .avx2FMA)
        #expect(CPUInfo.vectorISA(flags: all.subtracting(["avx512vl"]), osSavesYMM: true, osSavesZMM: true) == .avx2FMA)
        #expect(CPUInfo.vectorISA(flags: ["avx", "avx2"], osSavesYMM: true, osSavesZMM: true) == .avx)
        #expect(CPUInfo.vectorISA(flags: all, osSavesYMM: false, osSavesZMM: false) == .sse)
        // Every core this table names for a CPU is one it would also accept as already good enough.
        for isa in [ISA.avx2FMA, .avx512, .avx512BF16] {
            #expect(BLASCore.vectorISA(ofCore: BLASCore.preferred(for: isa)!) == isa)
        }
    }

    @Test func theLoadedKernelsPassTheSelfTest() {
        let test = BLASCore.selfTest()
        #expect(test.passed, "\(BLASCore.loaded): \(test.detail), worst \(test.worst)")
    }

    /// Row-major reference GEMM in the engine's own loops, to build wrong kernels from.
    static func reference(_ tA: Bool, _ tB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
                          _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
                          _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, dropLastTerm: Bool = false) {
        for i in 0..<m {
            for j in 0..<n {
                var sum: Float = 0
                for p in 0..<(dropLastTerm && k > 1 ? k - 1 : k) {
                    sum += (tA ? a[p * lda + i] : a[i * lda + p]) * (tB ? b[j * ldb + p] : b[p * ldb + j])
                }
                c[i * ldc + j] = alpha * sum + (beta == 0 ? 0 : beta * c[i * ldc + j])
            }
        }
    }

    @Test func theSelfTestAcceptsAPlainCorrectGEMM() {
        let test = BLASCore.selfTest { Self.reference($0, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) }
        #expect(test.passed, "worst \(test.worst)")
    }

    @Test func theSelfTestRejectsWrongKernels() {
        // A missed last term of K (a bad edge in the K loop).
        let dropped = BLASCore.selfTest { Self.reference($0, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, dropLastTerm: true) }
        #expect(!dropped.passed)
        // The last column of C never written (a bad edge tile).
        let edge = BLASCore.selfTest { tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc in
            let saved = (0..<m).map { c[$0 * ldc + n - 1] }
            Self.reference(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
            for i in 0..<m where n > 1 { c[i * ldc + n - 1] = saved[i] }
        }
        #expect(!edge.passed)
        // β ignored.
        let noBeta = BLASCore.selfTest { Self.reference($0, $1, $2, $3, $4, $5, $6, $7, $8, $9, 0, $11, $12) }
        #expect(!noBeta.passed)
        // Every entry 10⁻⁵ too large: a hundred times float32's rounding, still caught.
        let scaled = BLASCore.selfTest { tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc in
            Self.reference(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
            for i in 0..<m { for j in 0..<n { c[i * ldc + j] *= 1 + 1e-5 } }
        }
        #expect(!scaled.passed)
    }

    @Test func aFaultingKernelFailsTheSelfTestInsteadOfStoppingTheProcess() {
        let test = BLASCore.selfTest { _, _, _, _, _, _, _, _, _, _, _, _, _ in raise(SIGILL) }
        #expect(!test.passed)
        #expect(test.detail.contains("signal \(SIGILL)"), "\(test.detail)")
    }
}

extension BLASCore.Plan {
    var isKeep: Bool { if case .keep = self { true } else { false } }
}
