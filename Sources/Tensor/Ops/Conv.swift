// 2-D convolution (N×C×H×W input, O×C×kh×kw weight, groups 1, dilation 1) on sgemm, one image at a time:
// a 1×1 kernel is a plain GEMM on the image itself; larger kernels unfold the image (im2col) first.

extension Tensor {
    /// Cross-correlation as `torch.nn.functional.conv2d`: `[N, C, H, W]` → `[N, O, Ho, Wo]`.
    public static func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Int = 0) -> Tensor {
        precondition(x.rank == 4 && weight.rank == 4, "conv2d: input \(x.shape) and weight \(weight.shape) must be 4-D")
        precondition(weight.shape[1] == x.shape[1], "conv2d: weight \(weight.shape) does not take \(x.shape[1]) channels")
        let n = x.shape[0], o = weight.shape[0]
        let geo = ConvGeometry(c: x.shape[1], h: x.shape[2], w: x.shape[3], kh: weight.shape[2], kw: weight.shape[3],
                               stride: stride, padding: padding)
        precondition(geo.ho > 0 && geo.wo > 0, "conv2d: kernel larger than padded input \(x.shape)")
        let hw = geo.ho * geo.wo, kk = geo.colRows, inSize = geo.c * geo.h * geo.w
        let out = Tensor.empty([n, o, geo.ho, geo.wo])
        if let bias {
            precondition(bias.shape == [o], "conv2d: bias \(bias.shape), expected [\(o)]")
            for img in 0..<n { for ch in 0..<o { (out.pointer + (img * o + ch) * hw).update(repeating: bias.pointer[ch], count: hw) } }
        }
        let beta: Float = bias == nil ? 0 : 1
        let col: Tensor? = geo.isPointwise ? nil : Tensor.empty([kk, hw])
        for img in 0..<n {
            let xi = x.pointer + img * inSize
            let b: UnsafePointer<Float>
            if let col { geo.im2col(xi, col.pointer); b = UnsafePointer(col.pointer) } else { b = UnsafePointer(xi) }
            GEMM.run(transA: false, transB: false, m: o, n: hw, k: kk, a: weight.pointer, lda: kk,
                     b: b, ldb: hw, beta: beta, c: out.pointer + img * o * hw, ldc: hw)
        }
        let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
        guard let needs = recording(inputs) else { return out }
        let xc = x.detached(), wc = weight.detached()
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
            if needs.count == 3 {
                grads.append(needs[2] ? g.reshapedRaw([n, o, hw]).sumKeepingDims([0, 2]).reshapedRaw([o]) : nil)
            }
            return grads
        }
    }
}
