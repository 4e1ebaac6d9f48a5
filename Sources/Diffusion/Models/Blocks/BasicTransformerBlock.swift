import Tensor

/// diffusers' `BasicTransformerBlock` (`norm_type="layer_norm"`, GEGLU feed-forward): pre-norm self-attention
/// (`attn1`), cross-attention to the text (`attn2`) and a feed-forward, each added back to the tokens.
///
/// With `only_cross_attention`, `attn1` attends to the text too (the x4 upscaler's first blocks).
public final class BasicTransformerBlock: Module {
    public let norm1: LayerNorm, attn1: Attention
    public let norm2: LayerNorm, attn2: Attention
    public let norm3: LayerNorm, ff: FeedForward
    public let onlyCrossAttention: Bool

    public init(dim: Int, heads: Int, headDim: Int, crossAttentionDim: Int, onlyCrossAttention: Bool,
                generator: inout RandomGenerator) {
        norm1 = LayerNorm(dim)
        attn1 = Attention(queryDim: dim, contextDim: onlyCrossAttention ? crossAttentionDim : nil, heads: heads,
                          headDim: headDim, generator: &generator)
        norm2 = LayerNorm(dim)
        attn2 = Attention(queryDim: dim, contextDim: crossAttentionDim, heads: heads, headDim: headDim,
                          generator: &generator)
        norm3 = LayerNorm(dim)
        ff = FeedForward(dim, generator: &generator)
        self.onlyCrossAttention = onlyCrossAttention
    }

    /// Tokens `[N, T, E]`, text `[N, S, E']` → `[N, T, E]`.
    public func callAsFunction(_ x: Tensor, context: Tensor) -> Tensor {
        var h = attn1(norm1(x), context: onlyCrossAttention ? context : nil) + x
        h = attn2(norm2(h), context: context) + h
        return ff(norm3(h)) + h
    }

    public func visitParameters(_ v: inout ParameterVisitor) {
        v.child("norm1", norm1)
        v.child("attn1", attn1)
        v.child("norm2", norm2)
        v.child("attn2", attn2)
        v.child("norm3", norm3)
        v.child("ff", ff)
    }
}
