/// Scales all gradients so their global L2 norm is at most `maxNorm` (`torch.nn.utils.clip_grad_norm_`:
/// coefficient maxNorm / (norm + 1e-6), capped at 1). Returns the norm before clipping.
@discardableResult
public func clipGradientNorm(_ parameters: [Tensor], maxNorm: Float) -> Float {
    var total: Double = 0
    for p in parameters {
        guard let g = p.grad else { continue }
        g.withUnsafeBufferPointer { b in
            var s: Double = 0
            for v in b { s += Double(v) * Double(v) }
            total += s
        }
    }
    let norm = Float(total.squareRoot())
    let coefficient = Swift.min(maxNorm / (norm + 1e-6), 1)
    if coefficient < 1 {
        for p in parameters { p.grad?.scaleInPlace(coefficient) }
    }
    return norm
}
