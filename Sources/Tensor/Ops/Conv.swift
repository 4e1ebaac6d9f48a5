// 2-D convolution (N×C×H×W input, O×C×kh×kw weight, groups 1, dilation 1) on sgemm. Large images go one at
// a time: a 1×1 kernel is a plain GEMM on the image itself, larger kernels unfold the image (im2col) first.
// Batches of small images unfold all images side by side and run one GEMM for the batch (many tiny GEMMs
// would spend their time in call and threading overhead), paying a transpose of the output instead.
import WorkerThreads


extension Tensor {
    /// Cross-correlation as `torch.nn.functional.conv2d`: `[N, C, H, W]` → `[N, O, Ho, Wo]`, plus `residual`
    /// (shaped like the output) if given. Bias and residual are written into the output before the GEMM
    /// accumulates onto it (β = 1), so a ResNet skip connection costs no pass of its own.
    public static func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Int = 0,
                              residual: Tensor? = nil) -> Tensor {
        precondition(x.rank == 4 && weight.rank == 4, "conv2d: input \(x.shape) and weight \(weight.shape) must be 4-D")
        precondition(weight.shape[1] == x.shape[1], "conv2d: weight \(weight.shape) does not take \(x.shape[1]) channels")
        let n = x.shape[0], o = weight.shape[0]
        let geo = ConvGeometry(c: x.shape[1], h: x.shape[2], w: x.shape[3], kh: weight.shape[2], kw: weight.shape[3],
                               stride: stride, padding: padding)
        precondition(geo.ho > 0 && geo.wo > 0, "conv2d: kernel larger than padded input \(x.shape)")
        if n > 1 && geo.ho * geo.wo < 1024 && geo.colRows * n * geo.ho * geo.wo <= 1 << 25 {
            return conv2dBatched(x, weight: weight, bias: bias, residual: residual, geo: geo)
        }
        let hw = geo.ho * geo.wo, kk = geo.colRows, inSize = geo.c * geo.h * geo.w
        let out = Tensor.empty([n, o, geo.ho, geo.wo])
        if let residual {
            precondition(residual.shape == out.shape, "conv2d: residual \(residual.shape), output \(out.shape)")
            out.copy(from: residual)
        }
        if let bias {
            precondition(bias.shape == [o], "conv2d: bias \(bias.shape), expected [\(o)]")
            for img in 0..<n {
                for ch in 0..<o {
                    let plane = out.pointer + (img * o + ch) * hw, b = bias.pointer[ch]
                    if residual == nil { plane.update(repeating: b, count: hw) } else { for j in 0..<hw { plane[j] += b } }
                }
            }
        }
        let beta: Float = bias == nil && residual == nil ? 0 : 1
        let col: Tensor? = geo.isPointwise ? nil : Tensor.empty([kk, hw])
        for img in 0..<n {
            let xi = x.pointer + img * inSize
            let b: UnsafePointer<Float>
            if let col { geo.im2col(xi, col.pointer); b = UnsafePointer(col.pointer) } else { b = UnsafePointer(xi) }
            GEMM.run(transA: false, transB: false, m: o, n: hw, k: kk, a: weight.pointer, lda: kk,
                     b: b, ldb: hw, beta: beta, c: out.pointer + img * o * hw, ldc: hw)
        }
        let inputs = [x, weight] + [bias, residual].compactMap { $0 }
        guard let needs = recording(inputs) else { return out }
        let xc = x.detached(), wc = weight.detached()
        let hasBias = bias != nil, hasResidual = residual != nil
        return out.recorded("conv2d", inputs) { g in
            let gx: Tensor? = needs[0] ? Tensor.empty(xc.shape) : nil
            let gw: Tensor? = needs[1] ? Tensor.empty(wc.shape) : nil
            let col: Tensor? = geo.isPointwise ? nil : Tensor.empty([kk, hw])
            for img in 0..<n {
                let gi = g.pointer + img * o * hw
                let xi = xc.pointer + img * inSize
                if let gw {
                    // dW += dY·colᵀ (the unfolded image is recomputed rather than kept from the forward).
                    let b: UnsafePointer<Float>
                    if let col { geo.im2col(xi, col.pointer); b = UnsafePointer(col.pointer) } else { b = UnsafePointer(xi) }
                    GEMM.run(transA: false, transB: true, m: o, n: kk, k: hw, a: gi, lda: hw, b: b, ldb: hw,
                             beta: img == 0 ? 0 : 1, c: gw.pointer, ldc: kk)
                }
                if let gx {
                    // dX = fold(Wᵀ·dY); for 1×1 the GEMM writes dX directly.
                    let dst = col?.pointer ?? (gx.pointer + img * inSize)
                    GEMM.run(transA: true, transB: false, m: kk, n: hw, k: o, a: wc.pointer, lda: kk, b: gi, ldb: hw,
                             c: dst, ldc: hw)
                    if let col { geo.col2im(col.pointer, gx.pointer + img * inSize) }
                }
            }
            if n == 0 { gw?.fill(0) }
            var grads: [Tensor?] = [gx, gw]
            if hasBias { grads.append(needs[2] ? g.reshapedRaw([n, o, hw]).sumKeepingDims([0, 2]).reshapedRaw([o]) : nil) }
            if hasResidual { grads.append(needs[needs.count - 1] ? g : nil) }
            return grads
        }
    }

    /// The batch-wide form: col is [C·kh·kw, N·Ho·Wo], one GEMM per direction, outputs transposed into place.
    static func conv2dBatched(_ x: Tensor, weight: Tensor, bias: Tensor?, residual: Tensor?, geo: ConvGeometry) -> Tensor {
        let n = x.shape[0], o = weight.shape[0], hw = geo.ho * geo.wo, kk = geo.colRows, inSize = geo.c * geo.h * geo.w
        let wide = n * hw
        // Whole images per thread: each image's block of columns is written by one thread only.
        func unfold(_ src: Tensor, into col: Tensor) {
            if geo.isPointwise {
                Tensor.stridedCopy(shape: [geo.c, n, hw], src: src.pointer, srcStrides: [hw, inSize, 1],
                                   dst: col.pointer, dstStrides: [wide, hw, 1])
                return
            }
            let s = UncheckedBox(src.pointer), c = UncheckedBox(col.pointer)
            Parallel.forRanges(n, grain: 1) { imgs in
                for img in imgs { geo.im2col(s.value + img * inSize, c.value + img * hw, ldCol: wide, parallel: false) }
            }
        }
        let col = Tensor.empty([kk, wide])
        unfold(x, into: col)
        let yT = Tensor.empty([o, wide])
        if let residual {
            precondition(residual.shape == [n, o, geo.ho, geo.wo], "conv2d: residual \(residual.shape), output \([n, o, geo.ho, geo.wo])")
            // [N, O, HW] → [O, N, HW], the GEMM's layout.
            Tensor.stridedCopy(shape: [o, n, hw], src: residual.pointer, srcStrides: [hw, o * hw, 1],
                               dst: yT.pointer, dstStrides: [wide, hw, 1])
        }
        if let bias {
            precondition(bias.shape == [o], "conv2d: bias \(bias.shape), expected [\(o)]")
            for ch in 0..<o {
                let row = yT.pointer + ch * wide, b = bias.pointer[ch]
                if residual == nil { row.update(repeating: b, count: wide) } else { for j in 0..<wide { row[j] += b } }
            }
        }
        GEMM.run(transA: false, transB: false, m: o, n: wide, k: kk, a: weight.pointer, lda: kk, b: col.pointer, ldb: wide,
                 beta: bias == nil && residual == nil ? 0 : 1, c: yT.pointer, ldc: wide)
        // [O, N, HW] → [N, O, HW]
        let out = Tensor.empty([n, o, geo.ho, geo.wo])
        Tensor.stridedCopy(shape: [n, o, hw], src: yT.pointer, srcStrides: [hw, wide, 1], dst: out.pointer, dstStrides: [o * hw, hw, 1])
        let inputs = [x, weight] + [bias, residual].compactMap { $0 }
        guard let needs = recording(inputs) else { return out }
        let xc = x.detached(), wc = weight.detached()
        let hasBias = bias != nil, hasResidual = residual != nil
        // The weight gradient needs the unfolded input again: keep it while it is small (these are small images)
        // rather than unfold a second time.
        let keptCol = needs[1] && col.count <= 1 << 23 ? col : nil
        return out.recorded("conv2d", inputs) { g in
            let gT = Tensor.empty([o, wide])
            Tensor.stridedCopy(shape: [o, n, hw], src: g.pointer, srcStrides: [hw, o * hw, 1], dst: gT.pointer, dstStrides: [wide, hw, 1])
            var grads: [Tensor?] = [nil, nil]
            if needs[1] {
                let col = keptCol ?? Tensor.empty([kk, wide])
                if keptCol == nil { unfold(xc, into: col) }
                let gw = Tensor.empty(wc.shape)
                GEMM.run(transA: false, transB: true, m: o, n: kk, k: wide, a: gT.pointer, lda: wide, b: col.pointer, ldb: wide,
                         c: gw.pointer, ldc: kk)
                grads[1] = gw
            }
            if needs[0] {
                let dcol = Tensor.empty([kk, wide])
                GEMM.run(transA: true, transB: false, m: kk, n: wide, k: o, a: wc.pointer, lda: kk, b: gT.pointer, ldb: wide,
                         c: dcol.pointer, ldc: wide)
                let gx = Tensor.empty(xc.shape)
                if geo.isPointwise {
                    Tensor.stridedCopy(shape: [geo.c, n, hw], src: dcol.pointer, srcStrides: [wide, hw, 1],
                                       dst: gx.pointer, dstStrides: [hw, inSize, 1])
                } else {
                    let d = UncheckedBox(dcol.pointer), x = UncheckedBox(gx.pointer)
                    Parallel.forRanges(n, grain: 1) { imgs in
                        for img in imgs { geo.col2im(d.value + img * hw, x.value + img * inSize, ldCol: wide, parallel: false) }
                    }
                }
                grads[0] = gx
            }
            if hasBias { grads.append(needs[2] ? gT.sumKeepingDims([1]).reshapedRaw([o]) : nil) }
            if hasResidual { grads.append(needs[needs.count - 1] ? g : nil) }
            return grads
        }
    }
}
