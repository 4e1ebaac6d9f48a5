import Foundation
import CBLAS

/// One benchmark figure: a rate and what it is measured against, from the same process and run.
public struct EngineBenchmarkResult: Encodable, Sendable {
    /// What ran, e.g. `conv2d 3x3 fwd+bwd 320x64x64`.
    public let name: String
    /// `GFLOP/s` for compute-bound work, `GB/s` for memory-bound work.
    public let unit: String
    /// Best rate over the repetitions.
    public let rate: Double
    /// The rate this one is compared with (raw sgemm, or the plain copy loop).
    public internal(set) var reference: Double
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

/// Measures raw `cblas_sgemm` and a plain copy loop, then the engine's kernels against them, in one process
/// (ratios from one run are what count on a shared 2-core machine).
public enum EngineBenchmark {
    /// Seconds of the fastest of `repeats` runs of `body` (after one warm-up run).
    static func best(_ repeats: Int, _ body: () -> Void) -> Double {
        body()
        var best = Double.infinity
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            best = Swift.min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return best
    }

    /// Runs every benchmark; `quick` uses fewer repetitions (and still the full shapes).
    public static func run(quick: Bool = false, progress: (String) -> Void = { _ in }) -> [EngineBenchmarkResult] {
        let reps = quick ? 2 : 5
        var results: [EngineBenchmarkResult] = []
        func add(_ name: String, _ unit: String, work: Double, seconds: Double, reference: Double) {
            let r = EngineBenchmarkResult(name: name, unit: unit, rate: work / seconds / 1e9, reference: reference,
                                          milliseconds: seconds * 1e3)
            results.append(r)
            progress(name)
        }
        var gen = RandomGenerator(seed: 0)

        // Raw sgemm at 1024³, straight into OpenBLAS.
        let n = 1024
        let a = Tensor.randn([n, n], generator: &gen), b = Tensor.randn([n, n], generator: &gen), c = Tensor.zeros([n, n])
        let sgemmTime = best(reps) {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(n), Int32(n), 1, a.pointer, Int32(n),
                        b.pointer, Int32(n), 0, c.pointer, Int32(n))
        }
        let sgemm = 2 * Double(n * n * n) / sgemmTime / 1e9
        add("raw cblas_sgemm 1024^3", "GFLOP/s", work: 2 * Double(n * n * n), seconds: sgemmTime, reference: sgemm)

        // Plain copy loop over 64 MiB: the memory bandwidth the memory-bound kernels are compared with.
        let big = 16 << 20
        let src = Tensor.randn([big], generator: &gen), dst = Tensor.zeros([big])
        let copyTime = best(reps) {
            let s = UncheckedBox(src.pointer), d = UncheckedBox(dst.pointer)
            Parallel.forRanges(big) { r in for i in r { d.value[i] = s.value[i] } }
        }
        let copyBytes = Double(big * 8)
        let bandwidth = copyBytes / copyTime / 1e9
        add("copy loop 64 MiB", "GB/s", work: copyBytes, seconds: copyTime, reference: bandwidth)

        noGrad {
            let t = best(reps) { _ = Tensor.matmul(a, b) }
            add("matmul 1024^3", "GFLOP/s", work: 2 * Double(n * n * n), seconds: t, reference: sgemm)
            let tt = best(reps) { _ = Tensor.matmul(a, b, transposeA: true, transposeB: true) }
            add("matmul 1024^3 (A^T B^T)", "GFLOP/s", work: 2 * Double(n * n * n), seconds: tt, reference: sgemm)
        }

        // Convolutions at Stable Diffusion UNet shapes (batch 1, 3×3, padding 1, C → C).
        for (ch, hw) in [(320, 64), (640, 32), (1280, 16)] {
            let x = Tensor.randn([1, ch, hw, hw], generator: &gen)
            let w = Tensor.randn([ch, ch, 3, 3], std: 0.02, generator: &gen)
            let bias = Tensor.zeros([ch])
            let flops = 2 * Double(ch * ch * 9 * hw * hw)
            let fwd = best(quick ? 1 : 3) { _ = noGrad { Tensor.conv2d(x, weight: w, bias: bias, padding: 1) } }
            add("conv2d 3x3 fwd \(ch)x\(hw)x\(hw)", "GFLOP/s", work: flops, seconds: fwd, reference: sgemm)
            let xg = x.requiringGrad(), wg = w.requiringGrad(), bg = bias.requiringGrad()
            let both = best(quick ? 1 : 3) {
                let y = Tensor.conv2d(xg, weight: wg, bias: bg, padding: 1)
                y.backward(gradient: y.detached())
                xg.zeroGrad(); wg.zeroGrad(); bg.zeroGrad()
            }
            add("conv2d 3x3 fwd+bwd \(ch)x\(hw)x\(hw)", "GFLOP/s", work: 3 * flops, seconds: both, reference: sgemm)
        }
        do {
            let x = Tensor.randn([1, 640, 32, 32], generator: &gen), w = Tensor.randn([320, 640, 1, 1], std: 0.02, generator: &gen)
            let flops = 2 * Double(640 * 320 * 32 * 32)
            let xg = x.requiringGrad(), wg = w.requiringGrad()
            let both = best(reps) {
                let y = Tensor.conv2d(xg, weight: wg)
                y.backward(gradient: y.detached())
                xg.zeroGrad(); wg.zeroGrad()
            }
            add("conv2d 1x1 fwd+bwd 640->320x32x32", "GFLOP/s", work: 3 * flops, seconds: both, reference: sgemm)
        }

        // Attention at the UNet's first level: 4096 tokens, 8 heads of 40.
        do {
            let (heads, tokens, d) = (8, 4096, 40)
            let q = Tensor.randn([1, heads, tokens, d], generator: &gen), k = Tensor.randn([1, heads, tokens, d], generator: &gen)
            let v = Tensor.randn([1, heads, tokens, d], generator: &gen)
            let flops = 4 * Double(heads * tokens * tokens * d)
            let fwd = best(quick ? 1 : 3) { _ = noGrad { Tensor.attention(query: q, key: k, value: v) } }
            add("attention fwd 4096x40x8", "GFLOP/s", work: flops, seconds: fwd, reference: sgemm)
            let qg = q.requiringGrad(), kg = k.requiringGrad(), vg = v.requiringGrad()
            let both = best(quick ? 1 : 2) {
                let o = Tensor.attention(query: qg, key: kg, value: vg)
                o.backward(gradient: o.detached())
                qg.zeroGrad(); kg.zeroGrad(); vg.zeroGrad()
            }
            add("attention fwd+bwd 4096x40x8", "GFLOP/s", work: 3 * flops, seconds: both, reference: sgemm)
        }

        // Memory-bound kernels on 16 M floats (64 MiB): bytes read plus written, against the copy loop.
        noGrad {
            let x = Tensor.randn([2, 320, 128, 128], generator: &gen)   // 10.5 M floats
            let gamma = Tensor.ones([320]), beta = Tensor.zeros([320])
            let bytes = Double(x.count * 8)
            let gn = best(reps) { _ = Tensor.groupNorm(x, groups: 32, weight: gamma, bias: beta) }
            add("group norm 2x320x128x128 (32 groups)", "GB/s", work: bytes, seconds: gn, reference: bandwidth)
            let y = Tensor.randn(x.shape, generator: &gen)
            let addT = best(reps) { _ = x + y }
            add("add 10.5M", "GB/s", work: Double(x.count * 12), seconds: addT, reference: bandwidth)
            let siluT = best(reps) { _ = x.silu() }
            add("silu 10.5M", "GB/s", work: bytes, seconds: siluT, reference: bandwidth)
            let biasT = best(reps) { _ = x + Tensor.zeros([320, 1, 1]) }
            add("add channel bias 10.5M", "GB/s", work: bytes, seconds: biasT, reference: bandwidth)
        }
        // Raw sgemm again at the end: the reference is the better of the two (a neighbour's build may have
        // slowed one of them), so every fraction is against the best sgemm this run saw.
        let sgemmEnd = best(reps) {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(n), Int32(n), 1, a.pointer, Int32(n),
                        b.pointer, Int32(n), 0, c.pointer, Int32(n))
        }
        let sgemmBest = Swift.max(sgemm, 2 * Double(n * n * n) / sgemmEnd / 1e9)
        for i in results.indices where results[i].unit == "GFLOP/s" { results[i].reference = sgemmBest }
        if let i = results.firstIndex(where: { $0.name.hasPrefix("raw cblas_sgemm") }) {
            results[i] = EngineBenchmarkResult(name: results[i].name, unit: "GFLOP/s", rate: sgemmBest, reference: sgemmBest,
                                               milliseconds: Swift.min(sgemmTime, sgemmEnd) * 1e3)
        }
        return results
    }
}
