import Tensor

/// The attention arithmetic CLIP and ViT share; each model keeps its own module tree and checkpoint names and
/// calls this with its projections.
enum MultiHeadAttention {
    /// Self-attention of `x` `[N, T, E]` over `heads` heads of `E / heads` features, scale 1/√D (as transformers'
    /// `CLIPAttention` and `ViTSelfAttention`): projections, split into heads, softmax attention, merge. The output
    /// projection is left to the caller, whose names differ. `causal` masks later tokens (CLIP's text tower).
    static func selfAttention(_ x: Tensor, query: Linear, key: Linear, value: Linear, heads: Int,
                              causal: Bool = false) -> Tensor {
        precondition(x.rank == 3, "self-attention takes [N, T, E], got \(x.shape)")
        let (n, t, e) = (x.shape[0], x.shape[1], x.shape[2])
        precondition(e % heads == 0, "\(e) features do not split into \(heads) heads")
        func split(_ y: Tensor) -> Tensor { y.reshaped([n, t, heads, e / heads]).permuted([0, 2, 1, 3]) }
        let out = Tensor.attention(query: split(query(x)), key: split(key(x)), value: split(value(x)), causal: causal)
        return out.permuted([0, 2, 1, 3]).reshaped([n, t, e])
    }
}
