import Testing
import Tensor
import TestSupport

/// Finite-difference checks for the ops the PyTorch fixtures do not cover: views, splits, reductions to a
/// scalar, expansion, dropout, checkpointed blocks, and composites of several ops.
@Suite struct ShapeGradientTests {
    typealias Case = @Sendable ([Tensor]) -> Tensor

    static let cases: [(String, [[Int]], Case)] = [
        ("reshape", [[2, 6]], { $0[0].reshaped([3, -1]) * $0[0].reshaped([3, 4]) }),
        ("slice axis 0", [[4, 3]], { $0[0].slice(axis: 0, 1..<3).exp() }),
        ("slice axis 1", [[2, 5, 2]], { $0[0].slice(axis: 1, 2..<5).silu() }),
        ("split", [[3, 5]], { let p = $0[0].split([2, 3], axis: 1); return p[0].sum(axis: 1) * p[1].mean(axis: 1) }),
        ("chunk", [[4, 2]], { let p = $0[0].chunk(2, axis: 0); return p[0] * p[1] }),
        ("transposed", [[2, 3, 4]], { $0[0].transposed(0, 2).tanh() }),
        ("flattened", [[2, 3, 2]], { $0[0].flattened(from: 1).softmax() }),
        ("sum all", [[3, 4]], { ($0[0] * $0[0]).sum() }),
        ("mean all", [[3, 4]], { $0[0].exp().mean() }),
        ("max all", [[7]], { $0[0].max() }),
        ("expanded", [[3, 1]], { $0[0].expanded(to: [2, 3, 4]).sigmoid() }),
        ("maximum", [[3, 4], [4]], { Tensor.maximum($0[0], $0[1]) }),
        ("scalar ops", [[5]], { (2 / ($0[0] * $0[0] + 1)) - 3 * $0[0] + 1 }),
        ("relu", [[6]], { ($0[0] + 0.05).relu() }),
        ("sin and cos", [[7]], { $0[0].sin() * ($0[0] * 2).cos() }),
        ("dropout", [[50]], { var g = RandomGenerator(seed: 1); return $0[0].dropout(0.3, generator: &g) }),
        ("checkpoint", [[3, 4], [5, 4]], { x in checkpoint([x[0], x[1]]) { Tensor.linear($0[0], weight: $0[1]).geluTanh() } }),
        ("layer norm without affine", [[3, 6]], { Tensor.layerNorm($0[0], weight: nil, bias: nil) }),
        ("group norm without affine", [[2, 4, 3]], { Tensor.groupNorm($0[0], groups: 2, weight: nil, bias: nil) }),
        ("linear without bias", [[2, 3], [4, 3]], { Tensor.linear($0[0], weight: $0[1]) }),
        ("conv without bias", [[1, 2, 4, 4], [3, 2, 3, 3]], { Tensor.conv2d($0[0], weight: $0[1], stride: 2, padding: 1) }),
        ("attention with 4-D mask", [[1, 2, 3, 4], [1, 2, 5, 4], [1, 2, 5, 2]], {
            var g = RandomGenerator(seed: 9)
            let mask = Tensor.randn([1, 2, 3, 5], generator: &g)
            return Tensor.attention(query: $0[0], key: $0[1], value: $0[2], mask: mask, scale: 0.3)
        }),
        ("batched matmul with a shared left matrix", [[3, 4], [2, 4, 5]], { Tensor.matmul($0[0], $0[1]) }),
        ("batched matmul transposed", [[2, 4, 3], [2, 5, 4]], { Tensor.matmul($0[0], $0[1], transposeA: true, transposeB: true) }),
        ("linear with bias and residual", [[2, 3], [4, 3], [4], [2, 4]], {
            Tensor.linear($0[0], weight: $0[1], bias: $0[2], residual: $0[3])
        }),
        ("linear with residual only", [[2, 3], [4, 3], [2, 4]], { Tensor.linear($0[0], weight: $0[1], residual: $0[2]) }),
        ("conv with bias and residual, per image", [[1, 2, 4, 4], [3, 2, 3, 3], [3], [1, 3, 4, 4]], {
            Tensor.conv2d($0[0], weight: $0[1], bias: $0[2], padding: 1, residual: $0[3])
        }),
        ("conv with bias and residual, batch-wide", [[2, 2, 4, 4], [3, 2, 3, 3], [3], [2, 3, 4, 4]], {
            Tensor.conv2d($0[0], weight: $0[1], bias: $0[2], padding: 1, residual: $0[3])
        }),
        ("conv 1x1 with residual only, batch-wide", [[2, 2, 3, 3], [3, 2, 1, 1], [2, 3, 3, 3]], {
            Tensor.conv2d($0[0], weight: $0[1], residual: $0[2])
        }),
        ("a small MLP", [[4, 3], [8, 3], [8], [2, 8]], {
            Tensor.linear(Tensor.linear($0[0], weight: $0[1], bias: $0[2]).silu(), weight: $0[3])
        }),
    ]

    @Test(arguments: cases.indices)
    func backwardMatchesFiniteDifferences(_ index: Int) {
        let (name, shapes, f) = Self.cases[index]
        var gen = RandomGenerator(seed: UInt64(100 + index))
        let inputs = shapes.map { Tensor.randn($0, generator: &gen) }
        let result = gradientCheck(inputs, epsilon: name == "max all" || name == "relu" || name == "maximum" ? 1e-3 : 1e-2, f)
        #expect(result.passed, "\(name): \(result)")
    }
}

@Suite struct FusedNormTests {
    @Test func fusedGroupNormSiLUEqualsTheTwoOps() {
        var gen = RandomGenerator(seed: 31)
        let x0 = Tensor.randn([2, 6, 3, 2], generator: &gen)
        let w0 = Tensor.randn([6], generator: &gen), b0 = Tensor.randn([6], generator: &gen)
        let up = Tensor.randn([2, 6, 3, 2], generator: &gen)
        func run(_ fused: Bool) -> [[Float]] {
            let x = x0.copied().requiringGrad(), w = w0.copied().requiringGrad(), b = b0.copied().requiringGrad()
            let y = fused ? Tensor.groupNorm(x, groups: 3, weight: w, bias: b, activation: .silu)
                          : Tensor.groupNorm(x, groups: 3, weight: w, bias: b).silu()
            (y * up).sum().backward()
            return [y.scalars, x.grad!.scalars, w.grad!.scalars, b.grad!.scalars]
        }
        let (fused, plain) = (run(true), run(false))
        for (a, b) in zip(fused, plain) { #expect(closeness(a, b, atol: 1e-6, rtol: 1e-5) <= 1) }
    }

    @Test func fusedGroupNormSiLUPassesFiniteDifferences() {
        var gen = RandomGenerator(seed: 32)
        let inputs = [Tensor.randn([2, 4, 3], generator: &gen), Tensor.randn([4], generator: &gen), Tensor.randn([4], generator: &gen)]
        let r = gradientCheck(inputs) { Tensor.groupNorm($0[0], groups: 2, weight: $0[1], bias: $0[2], activation: .silu) }
        #expect(r.passed, "\(r)")
    }
}

@Suite struct ConvPathTests {
    /// A batch of small images takes the batch-wide GEMM path; one image at a time takes the per-image path.
    @Test(arguments: [(3, 1, 0, 1), (3, 3, 1, 1), (2, 3, 1, 2)])
    func batchWidePathEqualsPerImagePath(_ n: Int, _ k: Int, _ padding: Int, _ stride: Int) {
        var gen = RandomGenerator(seed: 41)
        let x0 = Tensor.randn([n, 3, 5, 4], generator: &gen)
        let w0 = Tensor.randn([4, 3, k, k], generator: &gen), b0 = Tensor.randn([4], generator: &gen)
        let (x, w, b) = (x0.copied().requiringGrad(), w0.copied().requiringGrad(), b0.copied().requiringGrad())
        let y = Tensor.conv2d(x, weight: w, bias: b, stride: stride, padding: padding)
        let up = Tensor.randn(y.shape, generator: &gen)
        (y * up).sum().backward()
        let (xs, ws, bs) = (x0.copied().requiringGrad(), w0.copied().requiringGrad(), b0.copied().requiringGrad())
        let parts = (0..<n).map { i in
            Tensor.conv2d(xs.slice(axis: 0, i..<(i + 1)), weight: ws, bias: bs, stride: stride, padding: padding)
        }
        let ySplit = Tensor.concat(parts, axis: 0)
        (ySplit * up).sum().backward()
        #expect(closeness(y.scalars, ySplit.scalars, atol: 1e-5) <= 1)
        #expect(closeness(x.grad!.scalars, xs.grad!.scalars, atol: 1e-5) <= 1)
        #expect(closeness(w.grad!.scalars, ws.grad!.scalars, atol: 1e-5) <= 1)
        #expect(closeness(b.grad!.scalars, bs.grad!.scalars, atol: 1e-5) <= 1)
    }
}

@Suite struct FusedResidualTests {
    @Test(arguments: [1, 3])
    func residualInsideTheGEMMEqualsAnAddAfterIt(_ n: Int) {
        var gen = RandomGenerator(seed: 51)
        let x = Tensor.randn([n, 2, 5, 5], generator: &gen), w = Tensor.randn([4, 2, 3, 3], generator: &gen)
        let b = Tensor.randn([4], generator: &gen), r = Tensor.randn([n, 4, 5, 5], generator: &gen)
        let fused = Tensor.conv2d(x, weight: w, bias: b, padding: 1, residual: r)
        let plain = Tensor.conv2d(x, weight: w, bias: b, padding: 1) + r
        #expect(closeness(fused.scalars, plain.scalars, atol: 1e-5) <= 1)
        let xl = Tensor.randn([n, 6], generator: &gen), wl = Tensor.randn([3, 6], generator: &gen)
        let rl = Tensor.randn([n, 3], generator: &gen)
        #expect(closeness(Tensor.linear(xl, weight: wl, residual: rl).scalars, (Tensor.linear(xl, weight: wl) + rl).scalars,
                          atol: 1e-5) <= 1)
    }
}
