// Group norm and layer norm: statistics per group (per row) in Double over a cached block, then one
// normalising pass; backward uses the saved mean and 1/σ.

extension Tensor {
    /// Normalises `rows` rows of `len` elements: y = (x − μ)·rstd, returning μ and rstd per row.
    /// Writes `xhat` into `out` (scale and shift are applied by the caller's per-channel pass).
    static func normalizeRows(_ x: UnsafePointer<Float>, rows: Int, len: Int, eps: Float,
                              out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>,
                              rstd: UnsafeMutablePointer<Float>) {
        let xs = UncheckedBox(UnsafeMutablePointer(mutating: x)), os = UncheckedBox(out)
        let ms = UncheckedBox(mean), rs = UncheckedBox(rstd)
        Parallel.forRanges(rows, grain: Swift.max(1, 16384 / Swift.max(len, 1))) { r in
            for row in r {
                let p = xs.value + row * len
                let mu = len == 0 ? 0 : sumContiguous(p, len) / Float(len)
                // Two passes over a row that sits in cache: no cancellation from E[x²] − E[x]².
                var a0: Float = 0, a1: Float = 0, a2: Float = 0, a3: Float = 0
                var i = 0
                while i + 4 <= len {
                    let d0 = p[i] - mu, d1 = p[i + 1] - mu, d2 = p[i + 2] - mu, d3 = p[i + 3] - mu
                    a0 += d0 * d0; a1 += d1 * d1; a2 += d2 * d2; a3 += d3 * d3
                    i += 4
                }
                while i < len { let d = p[i] - mu; a0 += d * d; i += 1 }
                let variance = len == 0 ? 0 : ((a0 + a1) + (a2 + a3)) / Float(len)
                let inv = 1 / (variance + eps).squareRoot()
                ms.value[row] = mu
                rs.value[row] = inv
                let q = os.value + row * len
                for j in 0..<len { q[j] = (p[j] - mu) * inv }
            }
        }
    }

    /// Backward of `normalizeRows` given dL/dxhat: dx = rstd·(dxhat − mean(dxhat) − xhat·mean(dxhat·xhat)).
    static func normalizeRowsBackward(xhat: UnsafePointer<Float>, dxhat: UnsafePointer<Float>, rows: Int, len: Int,
                                      rstd: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>) {
        let xs = UncheckedBox(UnsafeMutablePointer(mutating: xhat)), gs = UncheckedBox(UnsafeMutablePointer(mutating: dxhat))
        let rs = UncheckedBox(UnsafeMutablePointer(mutating: rstd)), ds = UncheckedBox(dx)
        Parallel.forRanges(rows, grain: Swift.max(1, 16384 / Swift.max(len, 1))) { r in
            for row in r {
                let xh = xs.value + row * len, g = gs.value + row * len, d = ds.value + row * len
                var s1: Float = 0, s2: Float = 0
                for j in 0..<len { s1 += g[j]; s2 += g[j] * xh[j] }
                let m1 = s1 / Float(len), m2 = s2 / Float(len), inv = rs.value[row]
                for j in 0..<len { d[j] = inv * (g[j] - m1 - xh[j] * m2) }
            }
        }
    }

    /// Group normalisation of `[N, C, ...]` over `groups` groups of channels, then per-channel
    /// `weight`·x + `bias` (as `torch.nn.GroupNorm`).
    public static func groupNorm(_ x: Tensor, groups: Int, weight: Tensor?, bias: Tensor?, eps: Float = 1e-5) -> Tensor {
        precondition(x.rank >= 2 && x.shape[1] % groups == 0, "groupNorm: \(x.shape[1]) channels into \(groups) groups")
        let n = x.shape[0], c = x.shape[1], spatial = x.shape[2...].reduce(1, *)
        let rows = n * groups, len = c / groups * spatial
        let xhat = Tensor.empty(x.shape), mean = Tensor.empty([rows]), rstd = Tensor.empty([rows])
        normalizeRows(x.pointer, rows: rows, len: len, eps: eps, out: xhat.pointer, mean: mean.pointer, rstd: rstd.pointer)
        let out = affineChannels(xhat, channels: c, inner: spatial, weight: weight, bias: bias)
        var inputs = [x]
        if let weight { inputs.append(weight) }
        if let bias { inputs.append(bias) }
        guard let needs = recording(inputs) else { return out }
        let wc = weight?.detached()
        return out.recorded("group_norm", inputs) { g in
            affineChannelsBackward(g: g, xhat: xhat, rstd: rstd, rows: rows, len: len, channels: c, inner: spatial,
                                   weight: wc, hasBias: bias != nil, needs: needs)
        }
    }

    /// Layer normalisation over the last dimension (as `torch.nn.LayerNorm(E)`).
    public static func layerNorm(_ x: Tensor, weight: Tensor?, bias: Tensor?, eps: Float = 1e-5) -> Tensor {
        let e = x.shape.last ?? 1, rows = x.count / Swift.max(e, 1)
        let xhat = Tensor.empty(x.shape), mean = Tensor.empty([rows]), rstd = Tensor.empty([rows])
        normalizeRows(x.pointer, rows: rows, len: e, eps: eps, out: xhat.pointer, mean: mean.pointer, rstd: rstd.pointer)
        // Per "channel" = per feature: view [rows, E] as N=rows, C=E, inner=1.
        let out = affineChannels(xhat, channels: e, inner: 1, weight: weight, bias: bias)
        var inputs = [x]
        if let weight { inputs.append(weight) }
        if let bias { inputs.append(bias) }
        guard let needs = recording(inputs) else { return out }
        let wc = weight?.detached()
        return out.recorded("layer_norm", inputs) { g in
            affineChannelsBackward(g: g, xhat: xhat, rstd: rstd, rows: rows, len: e, channels: e, inner: 1,
                                   weight: wc, hasBias: bias != nil, needs: needs)
        }
    }

    /// y = xhat·w[c] + b[c] for a tensor laid out as [outer, channels, inner].
    static func affineChannels(_ xhat: Tensor, channels: Int, inner: Int, weight: Tensor?, bias: Tensor?) -> Tensor {
        guard weight != nil || bias != nil else { return xhat }
        if let weight { precondition(weight.shape == [channels], "norm weight \(weight.shape), expected [\(channels)]") }
        if let bias { precondition(bias.shape == [channels], "norm bias \(bias.shape), expected [\(channels)]") }
        let out = Tensor.empty(xhat.shape)
        let outer = xhat.count / Swift.max(channels * inner, 1)
        let xs = UncheckedBox(xhat.pointer), os = UncheckedBox(out.pointer)
        let ws = UncheckedBox(weight?.pointer), bs = UncheckedBox(bias?.pointer)
        Parallel.forRanges(outer * channels, grain: Swift.max(1, 16384 / Swift.max(inner, 1))) { r in
            for oc in r {
                let ch = oc % channels
                let w = ws.value?[ch] ?? 1, b = bs.value?[ch] ?? 0
                let s = xs.value + oc * inner, d = os.value + oc * inner
                for j in 0..<inner { d[j] = s[j] * w + b }
            }
        }
        return out
    }

    /// Gradients of a normalisation followed by a per-channel affine map, for x, weight and bias as needed.
    static func affineChannelsBackward(g: Tensor, xhat: Tensor, rstd: Tensor, rows: Int, len: Int, channels: Int,
                                       inner: Int, weight: Tensor?, hasBias: Bool, needs: [Bool]) -> [Tensor?] {
        let outer = xhat.count / Swift.max(channels * inner, 1)
        var grads: [Tensor?] = []
        if needs[0] {
            // dxhat = g·w[c], then the normalisation's own backward per row.
            let dxhat: Tensor
            if let weight {
                dxhat = Tensor.empty(g.shape)
                let gs = UncheckedBox(g.pointer), ds = UncheckedBox(dxhat.pointer), ws = UncheckedBox(weight.pointer)
                Parallel.forRanges(outer * channels, grain: Swift.max(1, 16384 / Swift.max(inner, 1))) { r in
                    for oc in r {
                        let w = ws.value[oc % channels]
                        let s = gs.value + oc * inner, d = ds.value + oc * inner
                        for j in 0..<inner { d[j] = s[j] * w }
                    }
                }
            } else {
                dxhat = g
            }
            let dx = Tensor.empty(g.shape)
            normalizeRowsBackward(xhat: xhat.pointer, dxhat: dxhat.pointer, rows: rows, len: len, rstd: rstd.pointer, dx: dx.pointer)
            grads.append(dx)
        } else {
            grads.append(nil)
        }
        let wantW = weight != nil && needs[1]
        let wantB = hasBias && needs[needs.count - 1]
        if wantW || wantB {
            // Per (outer, channel) partial sums first, then summed over outer in order: deterministic.
            let pw = Tensor.empty([outer, channels]), pb = Tensor.empty([outer, channels])
            let gs = UncheckedBox(g.pointer), xs = UncheckedBox(xhat.pointer)
            let pws = UncheckedBox(pw.pointer), pbs = UncheckedBox(pb.pointer)
            Parallel.forRanges(outer * channels, grain: Swift.max(1, 16384 / Swift.max(inner, 1))) { r in
                for oc in r {
                    let s = gs.value + oc * inner, xh = xs.value + oc * inner
                    var sw: Float = 0, sb: Float = 0
                    for j in 0..<inner { sw += s[j] * xh[j]; sb += s[j] }
                    pws.value[oc] = sw
                    pbs.value[oc] = sb
                }
            }
            if weight != nil { grads.append(wantW ? pw.sumKeepingDims([0]).reshapedRaw([channels]) : nil) }
            if hasBias { grads.append(wantB ? pb.sumKeepingDims([0]).reshapedRaw([channels]) : nil) }
        } else {
            if weight != nil { grads.append(nil) }
            if hasBias { grads.append(nil) }
        }
        return grads
    }
}
