import CBLAS
import Foundation
import WorkerThreads

/// One benchmark figure: a rate and what it is measured against, from the same process and run.
public struct EngineBenchmarkResult: Encodable, Sendable {
    /// What ran, e.g. `conv2d 3x3 fwd+bwd 320x64x64`.
    public let name: String
    /// `GFLOP/s` for compute-bound work, `GB/s` for memory-bound work.
    public let unit: String
    /// Best rate over the repetitions.
    public let rate: Double
    /// The rate this one is compared with (raw sgemm, or the plain copy loop).
    public let reference: Double
    /// rate / reference.
    public var fraction: Double { reference > 0 ? rate / reference : 0 }
    /// Best wall time of one repetition, in milliseconds.
    public let milliseconds: Double

    enum CodingKeys: String, CodingKey { case name, unit, rate, reference, fraction, milliseconds }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(unit, forKey: .unit)
        try c.encode((rate * 10).rounded() / 10, forKey: .rate)
        try c.encode((reference * 10).rounded() / 10, forKey: .reference)
        try c.encode((fraction * 1000).rounded() / 1000, forKey: .fraction)
        try c.encode((milliseconds * 100).rounded() / 100, forKey: .milliseconds)
    }
}

/// Measures raw `cblas_sgemm` and a plain copy loop, then the engine's kernels against them, in one process.
///
/// Each kernel is timed in alternation with its reference (raw sgemm 1024³ for compute-bound work, a copy
/// loop over the same number of floats for memory-bound work), best of several rounds each, so a burst of
/// load from other processes hits both sides of a ratio alike.
public enum EngineBenchmark {
    static func seconds(_ body: () -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// Best times of `op` and `reference`, run alternately `rounds` times after one warm-up of each.
    static func paired(_ rounds: Int, op: () -> Void, reference: () -> Void) -> (op: Double, reference: Double) {
        op()
        reference()
        var bestOp = Double.infinity, bestRef = Double.infinity
        for _ in 0..<rounds {
            bestRef = Swift.min(bestRef, seconds(reference))
            bestOp = Swift.min(bestOp, seconds(op))
        }
        return (bestOp, bestRef)
    }

    /// Raw `cblas_sgemm` of two random `size`² matrices, threaded by OpenBLAS itself as any program calling it
    /// would be: the ceiling the engine's GEMMs are measured against.
    static func rawSGEMM(size n: Int, generator gen: inout RandomGenerator) -> () -> Void {
        let a = Tensor.randn([n, n], generator: &gen), b = Tensor.randn([n, n], generator: &gen), c = Tensor.zeros([n, n])
        return {
            BLAS.withOpenBLASThreads {
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(n), Int32(n), 1, a.pointer,
                            Int32(n), b.pointer, Int32(n), 0, c.pointer, Int32(n))
            }
        }
    }

    /// Best raw-sgemm rate at `size`³ over `rounds` runs after one warm-up, in GFLOP/s.
    public static func rawSGEMMRate(size: Int = 1024, rounds: Int = 5) -> Double {
        var gen = RandomGenerator(seed: 0)
        let sgemm = rawSGEMM(size: size, generator: &gen)
        sgemm()
        let best = (0..<rounds).map { _ in seconds(sgemm) }.min()!
        return 2 * Double(size * size * size) / best / 1e9
    }

    /// Runs every benchmark (or the group named by `only`: matmul, conv, attention, memory).
    public static func run(quick: Bool = false, only: String? = nil, progress: (String) -> Void = { _ in }) -> [EngineBenchmarkResult] {
        func wanted(_ group: String) -> Bool { only.map { group.contains($0) } ?? true }
        let rounds = quick ? 2 : 4
        var results: [EngineBenchmarkResult] = []
        var gen = RandomGenerator(seed: 0)

        // References: raw sgemm at 1024³ straight into OpenBLAS (threaded by OpenBLAS itself, as any program
        // calling it would), and a plain copy loop.
        let n = 1024
        let sgemmFlops = 2 * Double(n * n * n)
        let rawSGEMM = rawSGEMM(size: n, generator: &gen)
        let elements = 2 * 320 * 128 * 128   // 10.5 M floats (42 MB): larger than the L3 cache
        let src = Tensor.randn([elements], generator: &gen), dst = Tensor.zeros([elements])
        let copyLoop = {
            let s = UncheckedBox(src.pointer), d = UncheckedBox(dst.pointer)
            Parallel.forRanges(elements) { r in for i in r { d.value[i] = s.value[i] } }
        }
        let copyBytes = Double(elements * 8)
        var bestSGEMM = 0.0, bestCopy = 0.0

        func compute(_ name: String, flops: Double, rounds: Int = rounds, _ op: () -> Void) {
            let (t, r) = paired(rounds, op: op, reference: rawSGEMM)
            let ref = sgemmFlops / r / 1e9
            bestSGEMM = Swift.max(bestSGEMM, ref)
            results.append(EngineBenchmarkResult(name: name, unit: "GFLOP/s", rate: flops / t / 1e9, reference: ref, milliseconds: t * 1e3))
            progress(name)
        }
        func memory(_ name: String, bytes: Double, _ op: () -> Void) {
            // A few milliseconds each: many rounds cost little and find quiet moments for both sides.
            let (t, r) = paired(quick ? 5 : 20, op: op, reference: copyLoop)
            let ref = copyBytes / r / 1e9
            bestCopy = Swift.max(bestCopy, ref)
            results.append(EngineBenchmarkResult(name: name, unit: "GB/s", rate: bytes / t / 1e9, reference: ref, milliseconds: t * 1e3))
            progress(name)
        }

        if wanted("matmul") {
            let a = Tensor.randn([n, n], generator: &gen), b = Tensor.randn([n, n], generator: &gen)
            noGrad {
                compute("matmul 1024^3", flops: sgemmFlops) { _ = Tensor.matmul(a, b) }
                compute("matmul 1024^3 (A^T B^T)", flops: sgemmFlops) { _ = Tensor.matmul(a, b, transposeA: true, transposeB: true) }
                // The GEMM of SD1.5's 3×3 conv at 64×64 (320 channels): weights 320×2880 times the unfolded image.
                let w = Tensor.randn([320, 2880], generator: &gen), col = Tensor.randn([2880, 4096], generator: &gen)
                compute("matmul 320x2880 * 2880x4096", flops: 2 * 320 * 2880 * 4096) { _ = Tensor.matmul(w, col) }
            }
        }

        // Convolutions at Stable Diffusion UNet shapes (batch 1, 3×3, padding 1, C → C). Backward counts
        // twice the forward's FLOPs (input and weight gradients).
        for (ch, hw) in [(320, 64), (640, 32), (1280, 16)] where wanted("conv") {
            let x = Tensor.randn([1, ch, hw, hw], generator: &gen)
            let w = Tensor.randn([ch, ch, 3, 3], std: 0.02, generator: &gen)
            let bias = Tensor.zeros([ch])
            let flops = 2 * Double(ch * ch * 9 * hw * hw)
            compute("conv2d 3x3 fwd \(ch)x\(hw)x\(hw)", flops: flops, rounds: quick ? 1 : 3) {
                _ = noGrad { Tensor.conv2d(x, weight: w, bias: bias, padding: 1) }
            }
            let xg = x.requiringGrad(), wg = w.requiringGrad(), bg = bias.requiringGrad()
            compute("conv2d 3x3 fwd+bwd \(ch)x\(hw)x\(hw)", flops: 3 * flops, rounds: quick ? 1 : 3) {
                let y = Tensor.conv2d(xg, weight: wg, bias: bg, padding: 1)
                y.backward(gradient: y.detached())
                xg.zeroGrad(); wg.zeroGrad(); bg.zeroGrad()
            }
        }
        if wanted("conv") {
            let x = Tensor.randn([1, 640, 32, 32], generator: &gen).requiringGrad()
            let w = Tensor.randn([320, 640, 1, 1], std: 0.02, generator: &gen).requiringGrad()
            compute("conv2d 1x1 fwd+bwd 640->320x32x32", flops: 3 * 2 * Double(640 * 320 * 32 * 32)) {
                let y = Tensor.conv2d(x, weight: w)
                y.backward(gradient: y.detached())
                x.zeroGrad(); w.zeroGrad()
            }
        }

        // The embedded world's UNet: a batch of 32 small images (one GEMM for the whole batch).
        if wanted("conv") {
            let x = Tensor.randn([32, 64, 16, 16], generator: &gen).requiringGrad()
            let w = Tensor.randn([64, 64, 3, 3], std: 0.05, generator: &gen).requiringGrad()
            compute("conv2d 3x3 fwd+bwd batch 32 64x16x16", flops: 3 * 2 * Double(32 * 64 * 64 * 9 * 256)) {
                let y = Tensor.conv2d(x, weight: w, padding: 1)
                y.backward(gradient: y.detached())
                x.zeroGrad(); w.zeroGrad()
            }
        }

        // Attention at the UNet's first level: 4096 tokens, 8 heads of 40. FLOPs: 4·T·S·D forward,
        // twice that backward (the recomputed scores are not counted).
        if wanted("attention") {
            let shape = [1, 8, 4096, 40]
            let q = Tensor.randn(shape, generator: &gen), k = Tensor.randn(shape, generator: &gen), v = Tensor.randn(shape, generator: &gen)
            let flops = 4 * Double(8 * 4096 * 4096 * 40)
            compute("attention fwd 4096x40x8", flops: flops, rounds: quick ? 1 : 3) {
                _ = noGrad { Tensor.attention(query: q, key: k, value: v) }
            }
            let qg = q.requiringGrad(), kg = k.requiringGrad(), vg = v.requiringGrad()
            compute("attention fwd+bwd 4096x40x8", flops: 3 * flops, rounds: quick ? 1 : 2) {
                let o = Tensor.attention(query: qg, key: kg, value: vg)
                o.backward(gradient: o.detached())
                qg.zeroGrad(); kg.zeroGrad(); vg.zeroGrad()
            }
        }

        // Memory-bound kernels on the same 10.5 M floats: bytes read plus written.
        if wanted("memory") {
            noGrad {
                let x = Tensor.randn([2, 320, 128, 128], generator: &gen), y = Tensor.randn(x.shape, generator: &gen)
                let gamma = Tensor.ones([320]), beta = Tensor.zeros([320]), channelBias = Tensor.zeros([320, 1, 1])
                let bytes = Double(elements * 8)
                memory("group norm 2x320x128x128 (32 groups)", bytes: bytes) { _ = Tensor.groupNorm(x, groups: 32, weight: gamma, bias: beta) }
                memory("group norm + silu (fused)", bytes: bytes) {
                    _ = Tensor.groupNorm(x, groups: 32, weight: gamma, bias: beta, activation: .silu)
                }
                memory("group norm then silu (two ops)", bytes: bytes) {
                    _ = Tensor.groupNorm(x, groups: 32, weight: gamma, bias: beta).silu()
                }
                memory("add", bytes: Double(elements * 12)) { _ = x + y }
                memory("add channel bias", bytes: bytes) { _ = x + channelBias }
                memory("silu", bytes: bytes) { _ = x.silu() }
                memory("gelu (tanh)", bytes: bytes) { _ = x.geluTanh() }
                memory("gelu (erf)", bytes: bytes) { _ = x.gelu() }
            }
        }

        var summary: [EngineBenchmarkResult] = []
        if bestSGEMM > 0 {
            summary.append(EngineBenchmarkResult(name: "raw cblas_sgemm 1024^3 (best seen)", unit: "GFLOP/s", rate: bestSGEMM,
                                                 reference: bestSGEMM, milliseconds: sgemmFlops / bestSGEMM / 1e6))
        }
        if bestCopy > 0 {
            summary.append(EngineBenchmarkResult(name: "copy loop 10.5M floats (best seen)", unit: "GB/s", rate: bestCopy,
                                                 reference: bestCopy, milliseconds: copyBytes / bestCopy / 1e6))
        }
        return summary + results
    }
}
