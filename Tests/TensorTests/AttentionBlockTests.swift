import Testing
import Tensor
import TestSupport

/// Attention beyond one query block and with heads in parallel, against a plain softmax(q·kᵀ)·v.
@Suite struct AttentionBlockTests {
    static func reference(_ q: Tensor, _ k: Tensor, _ v: Tensor, causal: Bool) -> Tensor {
        let d = q.shape[3], t = q.shape[2], s = k.shape[2]
        var scores = Tensor.matmul(q, k, transposeB: true) * (1 / Float(d).squareRoot())
        if causal {
            let mask = Tensor(shape: [t, s], scalars: (0..<(t * s)).map { $0 % s > $0 / s ? -Float.infinity : 0 })
            scores = scores + mask
        }
        return Tensor.matmul(scores.softmax(), v)
    }

    @Test(arguments: [false, true])
    func manyBlocksAndParallelHeadsMatchThePlainFormula(causal: Bool) {
        ThreadCountLock.with {
            var gen = RandomGenerator(seed: 12)
            let shape = [1, 2, 600, 8]
            let q = Tensor.randn(shape, generator: &gen).requiringGrad()
            let k = Tensor.randn(shape, generator: &gen).requiringGrad()
            let v = Tensor.randn(shape, generator: &gen).requiringGrad()
            let up = Tensor.randn(shape, generator: &gen)
            let fast = Tensor.attention(query: q, key: k, value: v, causal: causal)
            (fast * up).sum().backward()
            let grads = [q, k, v].map { $0.grad!.scalars }
            [q, k, v].forEach { $0.zeroGrad() }
            let slow = Self.reference(q, k, v, causal: causal)
            (slow * up).sum().backward()
            #expect(closeness(fast.scalars, slow.scalars, atol: 1e-5, rtol: 1e-4) <= 1)
            for (g, x) in zip(grads, [q, k, v]) {
                #expect(closeness(g, x.grad!.scalars, atol: 1e-4, rtol: 1e-3) <= 1)
            }
        }
    }
}
