// Losses and similarity, composed from the primitives above where that costs nothing extra.

extension Tensor {
    /// Mean squared error, `mean((a − b)²)` (`F.mse_loss` with reduction "mean").
    public static func mseLoss(_ a: Tensor, _ b: Tensor) -> Tensor {
        let d = a - b
        return (d * d).mean()
    }

    /// Mean cross-entropy of `logits` [B, V] against class indices (`F.cross_entropy`).
    public static func crossEntropy(_ logits: Tensor, targets: [Int]) -> Tensor {
        precondition(logits.rank == 2 && logits.shape[0] == targets.count, "crossEntropy: logits \(logits.shape), \(targets.count) targets")
        let v = logits.shape[1]
        let onehot = Tensor.zeros(logits.shape)
        for (i, t) in targets.enumerated() {
            precondition(t >= 0 && t < v, "target \(t) outside 0..<\(v)")
            onehot.pointer[i * v + t] = -1 / Float(targets.count)
        }
        return (logits.logSoftmax() * onehot).sum()
    }

    /// Cosine similarity along `axis` (`F.cosine_similarity`: a·b / max(‖a‖·‖b‖, eps)).
    public static func cosineSimilarity(_ a: Tensor, _ b: Tensor, axis: Int = -1, eps: Float = 1e-8) -> Tensor {
        let dot = (a * b).sum(axis: axis)
        let na = (a * a).sum(axis: axis), nb = (b * b).sum(axis: axis)
        return dot * (na * nb).clamp(min: eps * eps).rsqrt()
    }
}
