/// Geometry of a 2-D convolution over one image (C×H×W → O×Ho×Wo, kernel kh×kw).
struct ConvGeometry {
    let c: Int, h: Int, w: Int
    let kh: Int, kw: Int, stride: Int, padding: Int
    var ho: Int { (h + 2 * padding - kh) / stride + 1 }
    var wo: Int { (w + 2 * padding - kw) / stride + 1 }
    /// Rows of the column matrix: one per (channel, ky, kx).
    var colRows: Int { c * kh * kw }
    var isPointwise: Bool { kh == 1 && kw == 1 && stride == 1 && padding == 0 }

    /// For output column `o` along one axis and kernel offset `k`: the valid output range whose input index
    /// `o·stride − padding + k` falls inside `0..<size`.
    func validRange(size: Int, outSize: Int, k: Int) -> Range<Int> {
        // o·s ≥ p − k  and  o·s ≤ size − 1 + p − k
        let lo = Swift.max(0, (padding - k + stride - 1) / stride)
        let hiIncl = (size - 1 + padding - k)
        let hi = hiIncl < 0 ? 0 : Swift.min(outSize, hiIncl / stride + 1)
        return lo..<Swift.max(lo, hi)
    }

    /// Unfolds image `x` (C×H×W) into `col` (colRows × Ho·Wo, rows `ldCol` apart), zeros where the kernel
    /// overhangs.
    /// With `parallel: false` it runs on the calling thread (for callers already splitting over images).
    func im2col(_ x: UnsafePointer<Float>, _ col: UnsafeMutablePointer<Float>, ldCol: Int? = nil, parallel: Bool = true) {
        let ld = ldCol ?? ho * wo
        let xs = UncheckedBox(UnsafeMutablePointer(mutating: x)), cs = UncheckedBox(col)
        let ho = ho, wo = wo
        Parallel.forRanges(colRows, grain: parallel ? Swift.max(1, 8192 / Swift.max(ho * wo, 1)) : Int.max) { rows in
            for row in rows {
                let ch = row / (kh * kw), ky = (row / kw) % kh, kx = row % kw
                let dst = cs.value + row * ld
                let src = xs.value + ch * h * w
                let ys = validRange(size: h, outSize: ho, k: ky), xr = validRange(size: w, outSize: wo, k: kx)
                for oy in 0..<ho {
                    let d = dst + oy * wo
                    guard ys.contains(oy), !xr.isEmpty else { d.update(repeating: 0, count: wo); continue }
                    let s = src + (oy * stride - padding + ky) * w
                    for ox in 0..<xr.lowerBound { d[ox] = 0 }
                    if stride == 1 {
                        (d + xr.lowerBound).update(from: s + (xr.lowerBound - padding + kx), count: xr.count)
                    } else {
                        for ox in xr { d[ox] = s[ox * stride - padding + kx] }
                    }
                    for ox in xr.upperBound..<wo { d[ox] = 0 }
                }
            }
        }
    }

    /// Folds `col` back into image gradient `dx` (C×H×W), adding overlapping contributions. Each thread owns
    /// whole channels, and a channel's kernel offsets are added in a fixed order: deterministic.
    func col2im(_ col: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, ldCol: Int? = nil, parallel: Bool = true) {
        let ld = ldCol ?? ho * wo
        let cs = UncheckedBox(UnsafeMutablePointer(mutating: col)), ds = UncheckedBox(dx)
        let ho = ho, wo = wo
        Parallel.forRanges(c, grain: parallel ? Swift.max(1, 4096 / Swift.max(kh * kw * ho * wo, 1)) : Int.max) { chans in
            for ch in chans {
                let dst = ds.value + ch * h * w
                dst.update(repeating: 0, count: h * w)
                for ky in 0..<kh {
                    let ys = validRange(size: h, outSize: ho, k: ky)
                    for kx in 0..<kw {
                        let xr = validRange(size: w, outSize: wo, k: kx)
                        let src = cs.value + ((ch * kh + ky) * kw + kx) * ld
                        for oy in ys {
                            let d = dst + (oy * stride - padding + ky) * w
                            let s = src + oy * wo
                            if stride == 1 {
                                let dd = d + (xr.lowerBound - padding + kx)
                                for (j, ox) in xr.enumerated() { dd[j] += s[ox] }
                            } else {
                                for ox in xr { d[ox * stride - padding + kx] += s[ox] }
                            }
                        }
                    }
                }
            }
        }
    }
}
