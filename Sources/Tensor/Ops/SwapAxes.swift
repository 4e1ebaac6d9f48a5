// Swapping the two middle axes of `[B, X, Y, D]` with D-element rows moved whole: attention's head split and merge
// (`[N, T, A, D]` ↔ `[N, A, T, D]`) and the channels ↔ tokens turn of image transformers (`[N, C, H·W]` ↔
// `[N, H·W, C]`, D = 1). The general `permuted` computes a strided offset per row; these layouts are common enough
// in the UNet (four per attention, two per transformer, forward and backward) to take a direct loop.
import WorkerThreads


extension Tensor {
    /// `[B, X, Y, D]` → `[B, Y, X, D]` (a copy), as `permuted([0, 2, 1, 3])`; a rank-3 `[B, X, Y]` is taken as D = 1.
    public func swappingMiddleAxes() -> Tensor {
        precondition(rank == 3 || rank == 4, "swappingMiddleAxes takes [B, X, Y] or [B, X, Y, D], got \(shape)")
        let out = Tensor.swapMiddleRaw(self)
        guard Tensor.recording(self) != nil else { return out }
        // The swap is its own inverse: the gradient swaps back.
        return out.recorded("swap_middle_axes", [self]) { g in [Tensor.swapMiddleRaw(g)] }
    }

    static func swapMiddleRaw(_ x: Tensor) -> Tensor {
        let (b, rows, cols) = (x.shape[0], x.shape[1], x.shape[2])
        let d = x.rank == 4 ? x.shape[3] : 1
        var outShape = x.shape
        outShape.swapAt(1, 2)
        let out = Tensor.empty(outShape)
        let src = UncheckedBox(x.pointer), dst = UncheckedBox(out.pointer)
        let plane = rows * cols * d
        if d == 1 {
            // A plain transpose per batch entry, in 32×32 tiles so both sides stay in cache.
            let tile = 32
            let tilesR = (rows + tile - 1) / tile, tilesC = (cols + tile - 1) / tile
            Parallel.forRanges(b * tilesR * tilesC, grain: 4) { range in
                for job in range {
                    let n = job / (tilesR * tilesC), r0 = (job / tilesC % tilesR) * tile, c0 = job % tilesC * tile
                    let s = src.value + n * plane, o = dst.value + n * plane
                    for r in r0..<Swift.min(r0 + tile, rows) {
                        for c in c0..<Swift.min(c0 + tile, cols) { o[c * rows + r] = s[r * cols + c] }
                    }
                }
            }
        } else {
            Parallel.forRanges(b * rows, grain: Swift.max(1, 16384 / Swift.max(cols * d, 1))) { range in
                for job in range {
                    let n = job / rows, r = job % rows
                    let s = src.value + n * plane + r * cols * d, o = dst.value + n * plane + r * d
                    for c in 0..<cols { (o + c * rows * d).update(from: s + c * d, count: d) }
                }
            }
        }
        return out
    }
}
