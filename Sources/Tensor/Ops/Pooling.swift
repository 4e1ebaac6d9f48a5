// Spatial resampling of N×C×H×W tensors: nearest ×2 upsampling (UNet up blocks) and average pooling.
import WorkerThreads


extension Tensor {
    /// Nearest-neighbour upsampling by 2 in H and W (`F.interpolate(scale_factor=2, mode="nearest")`).
    public func upsampleNearest2x() -> Tensor {
        precondition(rank == 4, "upsampleNearest2x takes [N, C, H, W], got \(shape)")
        let planes = shape[0] * shape[1], h = shape[2], w = shape[3]
        let out = Tensor.empty([shape[0], shape[1], 2 * h, 2 * w])
        let xs = UncheckedBox(pointer), os = UncheckedBox(out.pointer)
        Parallel.forRanges(planes * h, grain: Swift.max(1, 4096 / Swift.max(w, 1))) { r in
            for row in r {
                let s = xs.value + row * w, d = os.value + row * 4 * w
                for j in 0..<w { d[2 * j] = s[j]; d[2 * j + 1] = s[j] }
                (d + 2 * w).update(from: d, count: 2 * w)
            }
        }
        guard Tensor.recording(self) != nil else { return out }
        return out.recorded("upsample_nearest2x", [self]) { g in
            let gi = Tensor.empty([g.shape[0], g.shape[1], h, w])
            let gs = UncheckedBox(g.pointer), ds = UncheckedBox(gi.pointer)
            Parallel.forRanges(planes * h, grain: Swift.max(1, 4096 / Swift.max(w, 1))) { r in
                for row in r {
                    let s = gs.value + row * 4 * w, d = ds.value + row * w
                    for j in 0..<w { d[j] = (s[2 * j] + s[2 * j + 1]) + (s[2 * w + 2 * j] + s[2 * w + 2 * j + 1]) }
                }
            }
            return [gi]
        }
    }

    /// Average pooling with a square `kernel` and equal stride, no padding (`F.avg_pool2d(x, k)`).
    public func avgPool2d(_ kernel: Int) -> Tensor {
        precondition(rank == 4, "avgPool2d takes [N, C, H, W], got \(shape)")
        let planes = shape[0] * shape[1], h = shape[2], w = shape[3]
        let ho = h / kernel, wo = w / kernel
        let out = Tensor.empty([shape[0], shape[1], ho, wo])
        let inv = 1 / Float(kernel * kernel)
        let xs = UncheckedBox(pointer), os = UncheckedBox(out.pointer)
        Parallel.forRanges(planes * ho, grain: Swift.max(1, 2048 / Swift.max(wo * kernel * kernel, 1))) { r in
            for row in r {
                let p = row / ho, oy = row % ho
                let d = os.value + row * wo
                for ox in 0..<wo {
                    var acc: Float = 0
                    for ky in 0..<kernel {
                        let s = xs.value + (p * h + oy * kernel + ky) * w + ox * kernel
                        for kx in 0..<kernel { acc += s[kx] }
                    }
                    d[ox] = acc * inv
                }
            }
        }
        guard Tensor.recording(self) != nil else { return out }
        let inShape = shape
        return out.recorded("avg_pool2d", [self]) { g in
            let gi = Tensor.zeros(inShape)
            let gs = UncheckedBox(g.pointer), ds = UncheckedBox(gi.pointer)
            Parallel.forRanges(planes * ho, grain: Swift.max(1, 2048 / Swift.max(wo * kernel * kernel, 1))) { r in
                for row in r {
                    let p = row / ho, oy = row % ho
                    for ox in 0..<wo {
                        let v = gs.value[row * wo + ox] * inv
                        for ky in 0..<kernel {
                            let d = ds.value + (p * h + oy * kernel + ky) * w + ox * kernel
                            for kx in 0..<kernel { d[kx] = v }
                        }
                    }
                }
            }
            return [gi]
        }
    }
}
