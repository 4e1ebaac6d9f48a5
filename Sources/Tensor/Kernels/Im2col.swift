import CEngineKernels
import WorkerThreads

/// Geometry of a 2-D convolution over one image (C×H×W → O×Ho×Wo, kernel kh×kw).
struct ConvGeometry {
    let c: Int, h: Int, w: Int
    let kh: Int, kw: Int, stride: Int, padding: Int
    var ho: Int { (h + 2 * padding - kh) / stride + 1 }
    var wo: Int { (w + 2 * padding - kw) / stride + 1 }
    /// Rows of the column matrix: one per (channel, ky, kx).
    var colRows: Int { c * kh * kw }
    var isPointwise: Bool { kh == 1 && kw == 1 && stride == 1 && padding == 0 }

    /// The C kernels' view of this geometry.
    var kernelGeometry: ek_conv_geometry {
        ek_conv_geometry(c: Int32(c), h: Int32(h), w: Int32(w), kh: Int32(kh), kw: Int32(kw), stride: Int32(stride),
                         pad: Int32(padding), ho: Int32(ho), wo: Int32(wo))
    }

    /// Unfolds image `x` (C×H×W) into `col` (colRows × Ho·Wo, rows `ldCol` apart), zeros where the kernel
    /// overhangs.
    /// With `parallel: false` it runs on the calling thread (for callers already splitting over images).
    func im2col(_ x: UnsafePointer<Float>, _ col: UnsafeMutablePointer<Float>, ldCol: Int? = nil, parallel: Bool = true) {
        let ld = ldCol ?? ho * wo, g = kernelGeometry
        let xs = UncheckedBox(x), cs = UncheckedBox(col)
        Parallel.forRanges(colRows, grain: parallel ? Swift.max(1, 8192 / Swift.max(ho * wo, 1)) : Int.max) { rows in
            ek_im2col(xs.value, cs.value, ld, g, Int32(rows.lowerBound), Int32(rows.upperBound))
        }
    }

    /// Folds `col` back into image gradient `dx` (C×H×W), adding overlapping contributions. Each thread owns
    /// whole channels, and a channel's kernel offsets are added in a fixed order: deterministic.
    func col2im(_ col: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, ldCol: Int? = nil, parallel: Bool = true) {
        let ld = ldCol ?? ho * wo, g = kernelGeometry
        let cs = UncheckedBox(col), ds = UncheckedBox(dx)
        Parallel.forRanges(c, grain: parallel ? Swift.max(1, 4096 / Swift.max(kh * kw * ho * wo, 1)) : Int.max) { chans in
            ek_col2im(cs.value, ds.value, ld, g, Int32(chans.lowerBound), Int32(chans.upperBound))
        }
    }
}
