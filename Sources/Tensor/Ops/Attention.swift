import CEngineKernels
import Foundation
import WorkerThreads

// Scaled dot-product attention on sgemm, one head and one block of query rows at a time, so memory stays
// bounded (a `queryBlock`×S score block) for any sequence length. Backward recomputes the scores from the
// saved row log-sum-exp instead of keeping the T×S probabilities.

extension Tensor {
    /// Query rows per score block: 256×4096 floats = 4 MiB, which stays in L2/L3 between the two GEMMs.
    public static let attentionQueryBlock = 256

    /// `softmax(q·kᵀ·scale + mask)·v` for q `[N, A, T, D]`, k and v `[N, A, S, D]` (as
    /// `torch.nn.functional.scaled_dot_product_attention`). `mask` is additive and broadcasts to
    /// `[N, A, T, S]`; `causal` masks keys after each query; `scale` defaults to 1/√D.
    ///
    /// Large calls run heads in parallel, one group of heads per engine thread, each GEMM on its group's thread
    /// (OpenBLAS is single-threaded inside the engine's threads). Each thread holds one `queryBlock`×S score block
    /// at a time.
    public static func attention(query q: Tensor, key k: Tensor, value v: Tensor, mask: Tensor? = nil,
                                 causal: Bool = false, scale: Float? = nil) -> Tensor {
        precondition(q.rank == 4 && k.rank == 4 && v.rank == 4, "attention takes [N, A, T, D] tensors")
        let (n, a, t, d) = (q.shape[0], q.shape[1], q.shape[2], q.shape[3])
        let s = k.shape[2], dv = v.shape[3]
        precondition(k.shape == [n, a, s, d] && v.shape[0...2] == [n, a, s], "attention: q \(q.shape), k \(k.shape), v \(v.shape)")
        let plan = AttentionPlan(heads: n * a, t: t, s: s, d: d, dv: dv, alpha: scale ?? 1 / Float(d).squareRoot(),
                                 causal: causal, mask: mask.map { AttentionMask($0, n: n, a: a, t: t, s: s) })
        let out = Tensor.empty([n, a, t, dv])
        let lse = Tensor.empty([n, a, t])
        let parts = plan.parts
        let scores = (0..<parts).map { _ in Tensor.empty([plan.block, s]) }
        let io = UncheckedBox((q.pointer, k.pointer, v.pointer, out.pointer, lse.pointer, scores.map(\.pointer)))
        plan.eachHead(parts: parts) { part, head in
            let (qp, kp, vp, op, lp, sp) = io.value
            plan.forwardHead(head, q: qp, k: kp, v: vp, out: op, lse: lp, scores: sp[part])
        }
        guard let needs = recording(q, k, v) else { return out }
        let qc = q.detached(), kc = k.detached(), vc = v.detached(), oc = out.detached()
        return out.recorded("attention", [q, k, v]) { g in
            let dq = Tensor.empty(qc.shape), dk = Tensor.zeros(kc.shape), dvT = Tensor.zeros(vc.shape)
            let p = (0..<parts).map { _ in Tensor.empty([plan.block, s]) }
            let dp = (0..<parts).map { _ in Tensor.empty([plan.block, s]) }
            let io = UncheckedBox((qc.pointer, kc.pointer, vc.pointer, oc.pointer, lse.pointer, g.pointer,
                                   dq.pointer, dk.pointer, dvT.pointer, p.map(\.pointer), dp.map(\.pointer)))
            plan.eachHead(parts: parts) { part, head in
                let (qp, kp, vp, op, lp, gp, dqp, dkp, dvp, pp, dpp) = io.value
                plan.backwardHead(head, q: qp, k: kp, v: vp, out: op, lse: lp, g: gp, dq: dqp, dk: dkp, dv: dvp,
                                  p: pp[part], dp: dpp[part])
            }
            return [needs[0] ? dq : nil, needs[1] ? dk : nil, needs[2] ? dvT : nil]
        }
    }
}

/// Shapes and options of one attention call, and the per-head work.
struct AttentionPlan {
    let heads: Int, t: Int, s: Int, d: Int, dv: Int
    let alpha: Float
    let causal: Bool
    let mask: AttentionMask?
    var block: Int { Swift.min(Tensor.attentionQueryBlock, Swift.max(t, 1)) }

    /// Whether heads run in parallel (rather than each head's GEMMs split across the threads): worth it above about
    /// 128 K multiply-adds (the engine's pool starts a loop in about a microsecond); smaller calls run head after
    /// head on the caller's thread.
    var parallelHeads: Bool { heads > 1 && heads * t * s * (d + dv) >= 1 << 17 }

    /// Parts the heads are split into: one per engine thread when running heads in parallel.
    var parts: Int { parallelHeads ? Swift.min(Parallel.threadCount, heads) : 1 }

    /// Runs `body(part, head)` with head h on part h % parts; parts run in parallel, each GEMM on its part's thread.
    func eachHead(parts: Int, _ body: (Int, Int) -> Void) {
        guard parts > 1 else {
            for head in 0..<heads { body(0, head) }
            return
        }
        Parallel.forRanges(parts, grain: 1) { r in
            for part in r {
                for head in stride(from: part, to: heads, by: parts) { body(part, head) }
            }
        }
    }

    /// Adds the mask and the causal cut to raw score row `i` of query `query`; returns the last valid key + 1.
    @inline(__always)
    func prepare(_ row: UnsafeMutablePointer<Float>, head: Int, query: Int) -> Int {
        mask?.add(to: row, head: head, query: query)
        guard causal else { return s }
        let end = Swift.min(s, query + 1)
        for j in end..<s { row[j] = -.infinity }
        return end
    }

    func forwardHead(_ head: Int, q: UnsafeMutablePointer<Float>, k: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>,
                     out: UnsafeMutablePointer<Float>, lse: UnsafeMutablePointer<Float>, scores: UnsafeMutablePointer<Float>) {
        let qh = q + head * t * d, kh = k + head * s * d, vh = v + head * s * dv
        for q0 in stride(from: 0, to: t, by: block) {
            let rows = Swift.min(block, t - q0)
            GEMM.run(transA: false, transB: true, m: rows, n: s, k: d, alpha: alpha, a: qh + q0 * d, lda: d,
                     b: kh, ldb: d, c: scores, ldc: s)
            // Unnormalised e^(x − max) rows; the 1/Σ goes onto the (much smaller) output rows instead.
            var inverse = [Float](repeating: 0, count: rows)
            for i in 0..<rows {
                let row = scores + i * s
                _ = prepare(row, head: head, query: q0 + i)
                let m = Tensor.maxContiguous(row, s)
                if m == -.infinity {
                    row.update(repeating: 0, count: s)
                    lse[head * t + q0 + i] = -.infinity
                    continue
                }
                let sum = FastMath.expShiftedSum(row, s, shift: m)
                inverse[i] = 1 / sum
                lse[head * t + q0 + i] = m + logf(sum)
            }
            let o = out + (head * t + q0) * dv
            GEMM.run(transA: false, transB: false, m: rows, n: dv, k: s, a: scores, lda: s, b: vh, ldb: dv, c: o, ldc: dv)
            for i in 0..<rows {
                let f = inverse[i], oi = o + i * dv
                for j in 0..<dv { oi[j] *= f }
            }
        }
    }

    func backwardHead(_ head: Int, q: UnsafeMutablePointer<Float>, k: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>,
                      out: UnsafeMutablePointer<Float>, lse: UnsafeMutablePointer<Float>, g: UnsafeMutablePointer<Float>,
                      dq: UnsafeMutablePointer<Float>, dk: UnsafeMutablePointer<Float>, dv dvOut: UnsafeMutablePointer<Float>,
                      p: UnsafeMutablePointer<Float>, dp: UnsafeMutablePointer<Float>) {
        let qh = q + head * t * d, kh = k + head * s * d, vh = v + head * s * dv
        let gh = g + head * t * dv, oh = out + head * t * dv
        for q0 in stride(from: 0, to: t, by: block) {
            let rows = Swift.min(block, t - q0)
            // Scores recomputed (q·kᵀ·α + mask) rather than kept, and dP = dO·Vᵀ; then one pass turns them
            // into P = exp(scores − lse) and dS = P ⊙ (dP − rowsum(dO ⊙ O)).
            GEMM.run(transA: false, transB: true, m: rows, n: s, k: d, alpha: alpha, a: qh + q0 * d, lda: d,
                     b: kh, ldb: d, c: p, ldc: s)
            GEMM.run(transA: false, transB: true, m: rows, n: s, k: dv, a: gh + q0 * dv, lda: dv,
                     b: vh, ldb: dv, c: dp, ldc: s)
            for i in 0..<rows {
                let row = p + i * s, drow = dp + i * s, l = lse[head * t + q0 + i]
                _ = prepare(row, head: head, query: q0 + i)
                if l == -.infinity {
                    row.update(repeating: 0, count: s)
                    drow.update(repeating: 0, count: s)
                    continue
                }
                var dot: Float = 0
                let gi = gh + (q0 + i) * dv, oi = oh + (q0 + i) * dv
                for j in 0..<dv { dot += gi[j] * oi[j] }
                ek_softmax_backward_row(row, drow, s, l, dot)
            }
            // dV += Pᵀ·dO
            GEMM.run(transA: true, transB: false, m: s, n: dv, k: rows, a: p, lda: s,
                     b: gh + q0 * dv, ldb: dv, beta: 1, c: dvOut + head * s * dv, ldc: dv)
            // dQ = dS·K·α ; dK += dSᵀ·Q·α
            GEMM.run(transA: false, transB: false, m: rows, n: d, k: s, alpha: alpha, a: dp, lda: s,
                     b: kh, ldb: d, c: dq + (head * t + q0) * d, ldc: d)
            GEMM.run(transA: true, transB: false, m: s, n: d, k: rows, alpha: alpha, a: dp, lda: s,
                     b: qh + q0 * d, ldb: d, beta: 1, c: dk + head * s * d, ldc: d)
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
