// Scaled dot-product attention on sgemm, one head and one block of query rows at a time, so memory stays
// bounded (a `queryBlock`×S score block) for any sequence length. Backward recomputes the scores from the
// saved row log-sum-exp instead of keeping the T×S probabilities.

extension Tensor {
    /// Query rows per score block: 256×4096 floats = 4 MiB, which stays in L2/L3 between the two GEMMs.
    public static let attentionQueryBlock = 256

    /// `softmax(q·kᵀ·scale + mask)·v` for q `[N, A, T, D]`, k and v `[N, A, S, D]` (as
    /// `torch.nn.functional.scaled_dot_product_attention`). `mask` is additive and broadcasts to
    /// `[N, A, T, S]`; `causal` masks keys after each query; `scale` defaults to 1/√D.
    public static func attention(query q: Tensor, key k: Tensor, value v: Tensor, mask: Tensor? = nil,
                                 causal: Bool = false, scale: Float? = nil) -> Tensor {
        precondition(q.rank == 4 && k.rank == 4 && v.rank == 4, "attention takes [N, A, T, D] tensors")
        let (n, a, t, d) = (q.shape[0], q.shape[1], q.shape[2], q.shape[3])
        let s = k.shape[2], dv = v.shape[3]
        precondition(k.shape == [n, a, s, d] && v.shape[0...2] == [n, a, s], "attention: q \(q.shape), k \(k.shape), v \(v.shape)")
        let alpha = scale ?? 1 / Float(d).squareRoot()
        let maskPlan = mask.map { AttentionMask($0, n: n, a: a, t: t, s: s) }
        let out = Tensor.empty([n, a, t, dv])
        let lse = Tensor.empty([n, a, t])
        let bq = Swift.min(attentionQueryBlock, Swift.max(t, 1))
        let scores = Tensor.empty([bq, s])
        for head in 0..<(n * a) {
            let qh = q.pointer + head * t * d, kh = k.pointer + head * s * d, vh = v.pointer + head * s * dv
            for q0 in stride(from: 0, to: t, by: bq) {
                let rows = Swift.min(bq, t - q0)
                GEMM.run(transA: false, transB: true, m: rows, n: s, k: d, alpha: alpha, a: qh + q0 * d, lda: d,
                         b: kh, ldb: d, c: scores.pointer, ldc: s)
                let sp = UncheckedBox(scores.pointer), lp = UncheckedBox(lse.pointer + head * t + q0)
                Parallel.forRanges(rows, grain: Swift.max(1, 4096 / Swift.max(s, 1))) { r in
                    for i in r {
                        let row = sp.value + i * s
                        maskPlan?.add(to: row, head: head, query: q0 + i)
                        if causal { for j in Swift.min(s, q0 + i + 1)..<s { row[j] = -.infinity } }
                        lp.value[i] = softmaxRow(row, s)
                    }
                }
                GEMM.run(transA: false, transB: false, m: rows, n: dv, k: s, a: scores.pointer, lda: s,
                         b: vh, ldb: dv, c: out.pointer + (head * t + q0) * dv, ldc: dv)
            }
        }
        guard let needs = recording(q, k, v) else { return out }
        let qc = q.detached(), kc = k.detached(), vc = v.detached(), oc = out.detached()
        return out.recorded("attention", [q, k, v]) { g in
            let dq = Tensor.empty(qc.shape), dk = Tensor.zeros(kc.shape), dvT = Tensor.zeros(vc.shape)
            let p = Tensor.empty([bq, s]), dp = Tensor.empty([bq, s])
            for head in 0..<(n * a) {
                let qh = qc.pointer + head * t * d, kh = kc.pointer + head * s * d, vh = vc.pointer + head * s * dv
                let gh = g.pointer + head * t * dv, oh = oc.pointer + head * t * dv
                for q0 in stride(from: 0, to: t, by: bq) {
                    let rows = Swift.min(bq, t - q0)
                    // P = exp(q·kᵀ·α + mask − lse), recomputed.
                    GEMM.run(transA: false, transB: true, m: rows, n: s, k: d, alpha: alpha, a: qh + q0 * d, lda: d,
                             b: kh, ldb: d, c: p.pointer, ldc: s)
                    let pp = UncheckedBox(p.pointer), lp = UncheckedBox(lse.pointer + head * t + q0)
                    Parallel.forRanges(rows, grain: Swift.max(1, 4096 / Swift.max(s, 1))) { r in
                        for i in r {
                            let row = pp.value + i * s, l = lp.value[i]
                            maskPlan?.add(to: row, head: head, query: q0 + i)
                            let end = causal ? Swift.min(s, q0 + i + 1) : s
                            if l == -.infinity { for j in 0..<s { row[j] = 0 }; continue }
                            for j in 0..<end { row[j] = FastMath.exp(row[j] - l) }
                            for j in end..<s { row[j] = 0 }
                        }
                    }
                    // dV += Pᵀ·dO
                    GEMM.run(transA: true, transB: false, m: s, n: dv, k: rows, a: p.pointer, lda: s,
                             b: gh + q0 * dv, ldb: dv, beta: 1, c: dvT.pointer + head * s * dv, ldc: dv)
                    // dP = dO·Vᵀ, then dS = P ⊙ (dP − rowsum(dO ⊙ O))
                    GEMM.run(transA: false, transB: true, m: rows, n: s, k: dv, a: gh + q0 * dv, lda: dv,
                             b: vh, ldb: dv, c: dp.pointer, ldc: s)
                    let dps = UncheckedBox(dp.pointer), gs = UncheckedBox(gh + q0 * dv), os = UncheckedBox(oh + q0 * dv)
                    Parallel.forRanges(rows, grain: Swift.max(1, 4096 / Swift.max(s, 1))) { r in
                        for i in r {
                            var dot: Float = 0
                            for j in 0..<dv { dot += gs.value[i * dv + j] * os.value[i * dv + j] }
                            let prow = pp.value + i * s, drow = dps.value + i * s
                            for j in 0..<s { drow[j] = prow[j] * (drow[j] - dot) }
                        }
                    }
                    // dQ = dS·K·α ; dK += dSᵀ·Q·α
                    GEMM.run(transA: false, transB: false, m: rows, n: d, k: s, alpha: alpha, a: dp.pointer, lda: s,
                             b: kh, ldb: d, c: dq.pointer + (head * t + q0) * d, ldc: d)
                    GEMM.run(transA: true, transB: false, m: s, n: d, k: rows, alpha: alpha, a: dp.pointer, lda: s,
                             b: qh + q0 * d, ldb: d, beta: 1, c: dk.pointer + head * s * d, ldc: d)
                }
            }
            return [needs[0] ? dq : nil, needs[1] ? dk : nil, needs[2] ? dvT : nil]
        }
    }
}

/// Reads an additive mask broadcast to [N, A, T, S] without expanding it.
struct AttentionMask {
    /// Keeps the mask's buffer alive while rows are read through `base`.
    let tensor: Tensor
    let base: UnsafeMutablePointer<Float>
    let sn: Int, sa: Int, st: Int, ss: Int, a: Int, s: Int

    init(_ m: Tensor, n: Int, a: Int, t: Int, s: Int) {
        let full = [n, a, t, s]
        precondition(StridedLayout.broadcast(m.shape, full) == full, "attention mask \(m.shape) does not broadcast to \(full)")
        let st = StridedLayout.broadcastStrides(m.shape, to: full)
        tensor = m
        base = m.pointer
        sn = st[0]; sa = st[1]; self.st = st[2]; ss = st[3]
        self.a = a
        self.s = s
    }

    /// Adds the mask row of (`head` = n·A + a, `query`) to a score row of S elements.
    @inline(__always)
    func add(to row: UnsafeMutablePointer<Float>, head: Int, query: Int) {
        let p = base + (head / a) * sn + (head % a) * sa + query * st
        if ss == 0 {
            let v = p[0]
            for j in 0..<s { row[j] += v }
        } else {
            for j in 0..<s { row[j] += p[j] }
        }
    }
}
