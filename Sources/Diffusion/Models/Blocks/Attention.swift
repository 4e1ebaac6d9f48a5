import Tensor

/// diffusers' `Attention` (processor `AttnProcessor2_0`) in the two shapes Stable Diffusion uses: the
/// transformer blocks' self/cross attention on `[N, T, E]` tokens (no q/k/v bias), and the VAE's single-head
/// attention over the pixels of an `[N, C, H, W]` map, with its own `group_norm` and a residual connection.
///
/// `upcast_attention`/`upcast_softmax` ask for float32 scores under fp16; the engine always computes in float32,
/// so they change nothing here.
public final class Attention: Module {
    public let heads: Int, headDim: Int
    public let toQ: Linear, toK: Linear, toV: Linear
    /// `to_out.0` (`to_out.1` is a dropout without parameters).
    public let toOut: Linear
    /// The VAE's pre-norm over channels (`group_norm`); nil in transformer blocks.
    public let groupNorm: GroupNorm?
    /// Adds the input back after `to_out` (the VAE's attention).
    public let residualConnection: Bool

    /// `contextDim` is the key/value input width (`cross_attention_dim`), nil for self-attention.
    public init(queryDim: Int, contextDim: Int? = nil, heads: Int, headDim: Int, bias: Bool = false,
                groupNorm: (groups: Int, eps: Float)? = nil, residualConnection: Bool = false,
                generator: inout RandomGenerator) {
        let inner = heads * headDim
        self.heads = heads
        self.headDim = headDim
        toQ = Linear(queryDim, inner, bias: bias, generator: &generator)
        toK = Linear(contextDim ?? queryDim, inner, bias: bias, generator: &generator)
        toV = Linear(contextDim ?? queryDim, inner, bias: bias, generator: &generator)
        toOut = Linear(inner, queryDim, bias: true, generator: &generator)
        self.groupNorm = groupNorm.map { GroupNorm(groups: $0.groups, channels: queryDim, eps: $0.eps) }
        self.residualConnection = residualConnection
    }

    /// Tokens x `[N, T, E]` attending to `context` `[N, S, E']` (to themselves when nil) → `[N, T, E]`.
    public func callAsFunction(_ x: Tensor, context: Tensor? = nil) -> Tensor {
        let kv = context ?? x
        let q = splitHeads(toQ(x)), k = splitHeads(toK(kv)), v = splitHeads(toV(kv))
        let out = toOut(mergeHeads(Tensor.attention(query: q, key: k, value: v)))
        return residualConnection ? out + x : out
    }

    /// The VAE form: an `[N, C, H, W]` map, group-normed, each pixel a token; residual added by the caller's flag.
    public func spatial(_ x: Tensor) -> Tensor {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let normed = groupNorm.map { $0(x) } ?? x
        let tokens = normed.reshaped([n, c, h * w]).swappingMiddleAxes()
        let q = splitHeads(toQ(tokens)), k = splitHeads(toK(tokens)), v = splitHeads(toV(tokens))
        let out = toOut(mergeHeads(Tensor.attention(query: q, key: k, value: v)))
        let map = out.swappingMiddleAxes().reshaped([n, c, h, w])
        return residualConnection ? map + x : map
    }

    /// `[N, T, A·D]` → `[N, A, T, D]` (a free view for one head).
    func splitHeads(_ t: Tensor) -> Tensor {
        let (n, len) = (t.shape[0], t.shape[1])
        if heads == 1 { return t.reshaped([n, 1, len, headDim]) }
        return t.reshaped([n, len, heads, headDim]).swappingMiddleAxes()
    }

    /// `[N, A, T, D]` → `[N, T, A·D]`.
    func mergeHeads(_ t: Tensor) -> Tensor {
        let (n, len) = (t.shape[0], t.shape[2])
        if heads == 1 { return t.reshaped([n, len, headDim]) }
        return t.swappingMiddleAxes().reshaped([n, len, heads * headDim])
    }

    public func visitParameters(_ v: inout ParameterVisitor) {
        if let groupNorm { v.child("group_norm", groupNorm) }
        v.child("to_q", toQ)
        v.child("to_k", toK)
        v.child("to_v", toV)
        v.child("to_out.0", toOut)
    }
}
