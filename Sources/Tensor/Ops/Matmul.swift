// Matrix products on sgemm: A is [..., M, K] (or [..., K, M] with transposeA), B is [..., K, N]
// (or [..., N, K] with transposeB). Batch dimensions are equal, or one side is a plain matrix.

extension Tensor {
    /// `op(a)·op(b)` without any copies, batched over leading dimensions.
    public static func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
        let out = matmulRaw(a, b, transposeA, transposeB)
        guard let needs = recording(a, b) else { return out }
        let ac = a.detached(), bc = b.detached()
        return out.recorded("matmul", [a, b]) { g in
            // dA = dC·op(B)ᵀ, dB = op(A)ᵀ·dC, written with flags so nothing is transposed in memory.
            let ga: Tensor? = needs[0]
                ? (transposeA ? matmulRaw(bc, g, transposeB, true) : matmulRaw(g, bc, false, !transposeB)).sumTo(ac.shape)
                : nil
            let gb: Tensor? = needs[1]
                ? (transposeB ? matmulRaw(g, ac, true, transposeA) : matmulRaw(ac, g, !transposeA, false)).sumTo(bc.shape)
                : nil
            return [ga, gb]
        }
    }

    /// The product without a tape entry. A plain-matrix B with an untransposed batched A folds the batch
    /// into M: one large GEMM instead of many small ones.
    static func matmulRaw(_ a: Tensor, _ b: Tensor, _ tA: Bool, _ tB: Bool) -> Tensor {
        precondition(a.rank >= 2 && b.rank >= 2, "matmul needs matrices, got \(a.shape) and \(b.shape)")
        let m = tA ? a.shape[a.rank - 1] : a.shape[a.rank - 2]
        let k = tA ? a.shape[a.rank - 2] : a.shape[a.rank - 1]
        let kb = tB ? b.shape[b.rank - 1] : b.shape[b.rank - 2]
        let n = tB ? b.shape[b.rank - 2] : b.shape[b.rank - 1]
        precondition(k == kb, "matmul inner sizes differ: \(a.shape)\(tA ? "ᵀ" : "") · \(b.shape)\(tB ? "ᵀ" : "")")
        let batchA = Array(a.shape.dropLast(2)), batchB = Array(b.shape.dropLast(2))
        let batch: [Int]
        if batchA == batchB || batchB.isEmpty { batch = batchA }
        else if batchA.isEmpty { batch = batchB }
        else if batchA.reduce(1, *) == 1 { batch = batchB }
        else if batchB.reduce(1, *) == 1 { batch = batchA }
        else { preconditionFailure("matmul batch shapes \(batchA) and \(batchB) differ") }
        let count = batch.reduce(1, *)
        let out = Tensor.empty(batch + [m, n])
        let lda = a.shape[a.rank - 1], ldb = b.shape[b.rank - 1]
        if b.shape.dropLast(2).reduce(1, *) == 1 && !tA {
            GEMM.run(transA: false, transB: tB, m: m * count, n: n, k: k, a: a.pointer, lda: lda,
                     b: b.pointer, ldb: ldb, c: out.pointer, ldc: n)
            return out
        }
        let strideA = a.shape.dropLast(2).reduce(1, *) == 1 ? 0 : m * k
        let strideB = b.shape.dropLast(2).reduce(1, *) == 1 ? 0 : k * n
        for i in 0..<count {
            GEMM.run(transA: tA, transB: tB, m: m, n: n, k: k, a: a.pointer + i * strideA, lda: lda,
                     b: b.pointer + i * strideB, ldb: ldb, c: out.pointer + i * m * n, ldc: n)
        }
        return out
    }

    /// `x·Wᵀ + bias (+ residual)` for x [..., in] and W [out, in] (PyTorch's `nn.Linear` layout). The bias
    /// and the residual are written into the output before the GEMM accumulates onto it (β = 1), so neither
    /// costs a pass of its own.
    public static func linear(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, residual: Tensor? = nil) -> Tensor {
        let inF = weight.shape[1], outF = weight.shape[0]
        precondition(x.shape.last == inF, "linear: input \(x.shape) against weight \(weight.shape)")
        let rows = x.count / Swift.max(inF, 1)
        let out = Tensor.empty(Array(x.shape.dropLast()) + [outF])
        if let residual {
            precondition(residual.shape == out.shape, "linear: residual \(residual.shape), output \(out.shape)")
            out.copy(from: residual)
        }
        if let bias {
            precondition(bias.shape == [outF], "linear: bias \(bias.shape), expected [\(outF)]")
            for r in 0..<rows {
                let row = out.pointer + r * outF
                if residual == nil { row.update(from: bias.pointer, count: outF) } else { for j in 0..<outF { row[j] += bias.pointer[j] } }
            }
        }
        GEMM.run(transA: false, transB: true, m: rows, n: outF, k: inF, a: x.pointer, lda: inF,
                 b: weight.pointer, ldb: inF, beta: bias == nil && residual == nil ? 0 : 1, c: out.pointer, ldc: outF)
        var inputs = [x, weight]
        if let bias { inputs.append(bias) }
        if let residual { inputs.append(residual) }
        guard let needs = recording(inputs) else { return out }
        let xc = x.detached(), wc = weight.detached()
        let hasBias = bias != nil, hasResidual = residual != nil
        return out.recorded("linear", inputs) { g in
            var grads: [Tensor?] = []
            if needs[0] {
                let gx = Tensor.empty(xc.shape)
                GEMM.run(transA: false, transB: false, m: rows, n: inF, k: outF, a: g.pointer, lda: outF,
                         b: wc.pointer, ldb: inF, c: gx.pointer, ldc: inF)
                grads.append(gx)
            } else { grads.append(nil) }
            if needs[1] {
                let gw = Tensor.empty(wc.shape)
                GEMM.run(transA: true, transB: false, m: outF, n: inF, k: rows, a: g.pointer, lda: outF,
                         b: xc.pointer, ldb: inF, c: gw.pointer, ldc: inF)
                grads.append(gw)
            } else { grads.append(nil) }
            if hasBias {
                grads.append(needs[2] ? g.reshapedRaw([rows, outF]).sumKeepingDims([0]).reshapedRaw([outF]) : nil)
            }
            if hasResidual { grads.append(needs[needs.count - 1] ? g : nil) }
            return grads
        }
    }
}
