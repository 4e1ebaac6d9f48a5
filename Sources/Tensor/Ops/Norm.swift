import CEngineKernels
import WorkerThreads

// Group norm and layer norm as one kernel: statistics per row (a group of one sample, or one token), then
// normalise and apply the per-channel scale and shift in the same pass. Only the row mean and 1/σ are
// saved; backward recomputes x̂ from the input, so no normalised copy is kept.

/// An activation applied inside the normalisation pass (diffusers' ResNet blocks run norm → SiLU): one
/// memory pass less forward, and no pre-activation tensor kept for backward.
public enum NormActivation: Sendable {
    case none
    case silu
}

/// How a normalised tensor splits into rows and channels: row r holds `channelsPerRow` channels of `inner`
/// elements each, channel `(r % groupsPerSample)·channelsPerRow + k`.
struct NormLayout {
    let rows: Int, channelsPerRow: Int, inner: Int, groupsPerSample: Int
    var len: Int { channelsPerRow * inner }
    var channels: Int { groupsPerSample * channelsPerRow }
    var grain: Int { Swift.max(1, 16384 / Swift.max(len, 1)) }
    func firstChannel(_ row: Int) -> Int { (row % groupsPerSample) * channelsPerRow }
}

extension Tensor {
    /// Group normalisation of `[N, C, ...]` over `groups` groups of channels, then per-channel
    /// `weight`·x̂ + `bias` (as `torch.nn.GroupNorm`).
    public static func groupNorm(_ x: Tensor, groups: Int, weight: Tensor?, bias: Tensor?, eps: Float = 1e-5,
                                 activation: NormActivation = .none) -> Tensor {
        precondition(x.rank >= 2 && x.shape[1] % groups == 0, "groupNorm: \(x.shape[1]) channels into \(groups) groups")
        let layout = NormLayout(rows: x.shape[0] * groups, channelsPerRow: x.shape[1] / groups,
                                inner: x.shape[2...].reduce(1, *), groupsPerSample: groups)
        return normalized(x, layout, weight: weight, bias: bias, eps: eps, activation: activation,
                          name: activation == .silu ? "group_norm_silu" : "group_norm")
    }

    /// Layer normalisation over the last dimension (as `torch.nn.LayerNorm(E)`).
    public static func layerNorm(_ x: Tensor, weight: Tensor?, bias: Tensor?, eps: Float = 1e-5) -> Tensor {
        let e = x.shape.last ?? 1
        let layout = NormLayout(rows: x.count / Swift.max(e, 1), channelsPerRow: e, inner: 1, groupsPerSample: 1)
        return normalized(x, layout, weight: weight, bias: bias, eps: eps, activation: .none, name: "layer_norm")
    }

    static func normalized(_ x: Tensor, _ layout: NormLayout, weight: Tensor?, bias: Tensor?, eps: Float,
                           activation: NormActivation, name: String) -> Tensor {
        if let weight { precondition(weight.shape == [layout.channels], "\(name) weight \(weight.shape), expected [\(layout.channels)]") }
        if let bias { precondition(bias.shape == [layout.channels], "\(name) bias \(bias.shape), expected [\(layout.channels)]") }
        let out = Tensor.empty(x.shape), stats = Tensor.empty([2, layout.rows])
        normForward(x.pointer, layout, weight?.pointer, bias?.pointer, eps, out.pointer, stats.pointer, silu: activation == .silu)
        var inputs = [x]
        if let weight { inputs.append(weight) }
        if let bias { inputs.append(bias) }
        guard let needs = recording(inputs) else { return out }
        let xc = x.detached(), wc = weight?.detached(), bc = bias?.detached()
        let hasWeight = weight != nil, hasBias = bias != nil
        return out.recorded(name, inputs) { upstream in
            var g = upstream
            if activation == .silu {
                // Recompute the pre-activation from x and the saved statistics, then chain through SiLU.
                g = Tensor.empty(xc.shape)
                normForward(xc.pointer, layout, wc?.pointer, bc?.pointer, eps, g.pointer, stats.pointer, silu: false, reuseStats: true)
                let us = UncheckedBox(upstream.pointer), gs = UncheckedBox(g.pointer)
                Parallel.forRanges(g.count) { r in ek_silu_backward_inplace(us.value + r.lowerBound, gs.value + r.lowerBound, r.count) }
            }
            let dx: Tensor? = needs[0] ? Tensor.empty(xc.shape) : nil
            let partials = Tensor.empty([2, layout.rows * layout.channelsPerRow])
            normBackward(xc.pointer, g.pointer, layout, wc?.pointer, stats.pointer, dx?.pointer, partials.pointer)
            var grads: [Tensor?] = [dx]
            // Per-(sample, channel) partial sums, summed over samples in order: deterministic.
            let samples = layout.rows / layout.groupsPerSample
            func total(_ which: Int) -> Tensor {
                partials.slice(axis: 0, which..<(which + 1)).reshapedRaw([samples, layout.channels])
                    .sumKeepingDims([0]).reshapedRaw([layout.channels])
            }
            if hasWeight { grads.append(needs[1] ? total(0) : nil) }
            if hasBias { grads.append(needs[needs.count - 1] ? total(1) : nil) }
            return grads
        }
    }

    /// Normalises, scales and shifts each row (then applies SiLU if asked). With `reuseStats` the row
    /// statistics are read from `stats` instead of computed (recomputing a pre-activation for backward).
    static func normForward(_ x: UnsafeMutablePointer<Float>, _ l: NormLayout, _ w: UnsafeMutablePointer<Float>?,
                            _ b: UnsafeMutablePointer<Float>?, _ eps: Float, _ out: UnsafeMutablePointer<Float>,
                            _ stats: UnsafeMutablePointer<Float>, silu: Bool, reuseStats: Bool = false) {
        let xs = UncheckedBox(x), os = UncheckedBox(out), ws = UncheckedBox(w), bs = UncheckedBox(b), ss = UncheckedBox(stats)
        Parallel.forRanges(l.rows, grain: l.grain) { r in
            for row in r {
                let p = xs.value + row * l.len, q = os.value + row * l.len
                let mu: Float, inv: Float
                if reuseStats {
                    mu = ss.value[row]
                    inv = ss.value[l.rows + row]
                } else {
                    mu = l.len == 0 ? 0 : sumContiguous(p, l.len) / Float(l.len)
                    // Two passes over a row that sits in cache: no cancellation from E[x²] − E[x]².
                    let variance = l.len == 0 ? 0 : sumSquaredDeviations(p, l.len, mu) / Float(l.len)
                    inv = 1 / (variance + eps).squareRoot()
                    ss.value[row] = mu
                    ss.value[l.rows + row] = inv
                }
                let c0 = l.firstChannel(row)
                if l.inner == 1 {
                    for j in 0..<l.len {
                        let wj = ws.value?[c0 + j] ?? 1, bj = bs.value?[c0 + j] ?? 0
                        q[j] = (p[j] - mu) * inv * wj + bj
                    }
                } else {
                    for k in 0..<l.channelsPerRow {
                        let scale = inv * (ws.value?[c0 + k] ?? 1)
                        let shift = (bs.value?[c0 + k] ?? 0) - mu * scale
                        let pk = p + k * l.inner, qk = q + k * l.inner
                        for j in 0..<l.inner { qk[j] = pk[j] * scale + shift }
                    }
                }
                if silu { ek_silu_inplace(q, l.len) }
            }
        }
    }

    /// Writes dx (if asked) and per-(row, channel) sums Σg·x̂ (partials row 0) and Σg (row 1).
    static func normBackward(_ x: UnsafeMutablePointer<Float>, _ g: UnsafeMutablePointer<Float>, _ l: NormLayout,
                             _ w: UnsafeMutablePointer<Float>?, _ stats: UnsafeMutablePointer<Float>,
                             _ dx: UnsafeMutablePointer<Float>?, _ partials: UnsafeMutablePointer<Float>) {
        let xs = UncheckedBox(x), gs = UncheckedBox(g), ws = UncheckedBox(w), ss = UncheckedBox(stats)
        let ds = UncheckedBox(dx), ps = UncheckedBox(partials)
        let width = l.rows * l.channelsPerRow
        Parallel.forRanges(l.rows, grain: l.grain) { r in
            for row in r {
                let p = xs.value + row * l.len, gr = gs.value + row * l.len
                let mu = ss.value[row], inv = ss.value[l.rows + row]
                let c0 = l.firstChannel(row)
                var s1: Float = 0, s2: Float = 0
                for k in 0..<l.channelsPerRow {
                    let pk = p + k * l.inner, gk = gr + k * l.inner
                    var (sg, sgx) = sumAndCentredDot(gk, pk, l.inner, mu)
                    sgx *= inv
                    ps.value[row * l.channelsPerRow + k] = sgx
                    ps.value[width + row * l.channelsPerRow + k] = sg
                    let wk = ws.value?[c0 + k] ?? 1
                    s1 += wk * sg
                    s2 += wk * sgx
                }
                guard let d = ds.value else { continue }
                let m1 = s1 / Float(l.len), m2 = s2 / Float(l.len)
                let dr = d + row * l.len
                for k in 0..<l.channelsPerRow {
                    let wk = ws.value?[c0 + k] ?? 1
                    let pk = p + k * l.inner, gk = gr + k * l.inner, dk = dr + k * l.inner
                    for j in 0..<l.inner {
                        let xhat = (pk[j] - mu) * inv
                        dk[j] = inv * (gk[j] * wk - m1 - xhat * m2)
                    }
                }
            }
        }
    }
}
