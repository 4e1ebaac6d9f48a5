import CEngineKernels
import WorkerThreads

// GEGLU, diffusers' feed-forward gate: the last axis holds a value half and a gate half, out = value · GELU(gate).
// One pass in each direction instead of two split copies, a GELU and a product (and their backward copies), in C
// kernels cloned per ISA (the exact GELU's polynomial erf is compute-bound on a baseline-x86 Swift build).

extension Tensor {
    /// `[..., 2F]` → `[..., F]`: first half · GELU(second half), GELU with the exact normal CDF (as
    /// `a, g = x.chunk(2, -1); a * F.gelu(g)`). erf is Abramowitz–Stegun 7.1.26, absolute error below 1.5e-7.
    public func geglu() -> Tensor {
        let width = shape[rank - 1]
        precondition(width % 2 == 0, "geglu needs an even last dimension, got \(shape)")
        let half = width / 2, rows = count / Swift.max(width, 1)
        var outShape = shape
        outShape[rank - 1] = half
        let out = Tensor.empty(outShape)
        let src = UncheckedBox(pointer), dst = UncheckedBox(out.pointer)
        Parallel.forRanges(rows, grain: Swift.max(1, 16384 / Swift.max(half, 1))) { range in
            ek_geglu(src.value + range.lowerBound * width, dst.value + range.lowerBound * half, range.count, half)
        }
        guard Tensor.recording(self) != nil else { return out }
        let input = detached()
        return out.recorded("geglu", [self]) { grad in
            let gi = Tensor.empty(input.shape)
            let xs = UncheckedBox(input.pointer), gs = UncheckedBox(grad.pointer), ds = UncheckedBox(gi.pointer)
            Parallel.forRanges(rows, grain: Swift.max(1, 16384 / Swift.max(half, 1))) { range in
                ek_geglu_backward(xs.value + range.lowerBound * width, gs.value + range.lowerBound * half,
                                  ds.value + range.lowerBound * width, range.count, half)
            }
            return [gi]
        }
    }
}
