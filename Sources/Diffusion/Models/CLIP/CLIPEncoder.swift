import Tensor

/// transformers' `CLIPAttention`: `q_proj`, `k_proj`, `v_proj`, `out_proj`, all with bias.
public final class CLIPAttention: Module {
    public let qProj: Linear, kProj: Linear, vProj: Linear, outProj: Linear
    public let heads: Int

    init(hiddenSize: Int, heads: Int, generator: inout RandomGenerator) {
        qProj = Linear(hiddenSize, hiddenSize, generator: &generator)
        kProj = Linear(hiddenSize, hiddenSize, generator: &generator)
        vProj = Linear(hiddenSize, hiddenSize, generator: &generator)
        outProj = Linear(hiddenSize, hiddenSize, generator: &generator)
        self.heads = heads
    }

    public func callAsFunction(_ x: Tensor, causal: Bool) -> Tensor {
        outProj(MultiHeadAttention.selfAttention(x, query: qProj, key: kProj, value: vProj, heads: heads, causal: causal))
    }

    public func visitParameters(_ v: inout ParameterVisitor) {
        v.child("q_proj", qProj)
        v.child("k_proj", kProj)
        v.child("v_proj", vProj)
        v.child("out_proj", outProj)
    }
}

/// transformers' `CLIPMLP`: `fc1`, activation, `fc2`.
public final class CLIPMLP: Module {
    public let fc1: Linear, fc2: Linear
    public let activation: TransformerActivation

    init(hiddenSize: Int, intermediateSize: Int, activation: TransformerActivation, generator: inout RandomGenerator) {
        fc1 = Linear(hiddenSize, intermediateSize, generator: &generator)
        fc2 = Linear(intermediateSize, hiddenSize, generator: &generator)
        self.activation = activation
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { fc2(activation(fc1(x))) }

    public func visitParameters(_ v: inout ParameterVisitor) {
        v.child("fc1", fc1)
        v.child("fc2", fc2)
    }
}

/// transformers' `CLIPEncoderLayer`, pre-norm: x + attn(LN1(x)), then x + mlp(LN2(x)).
public final class CLIPEncoderLayer: Module {
    public let selfAttn: CLIPAttention
    public let layerNorm1: LayerNorm, layerNorm2: LayerNorm
    public let mlp: CLIPMLP

    init(_ shape: CLIPEncoderShape, generator: inout RandomGenerator) {
        selfAttn = CLIPAttention(hiddenSize: shape.hiddenSize, heads: shape.heads, generator: &generator)
        layerNorm1 = LayerNorm(shape.hiddenSize, eps: shape.layerNormEps)
        mlp = CLIPMLP(hiddenSize: shape.hiddenSize, intermediateSize: shape.intermediateSize,
                      activation: shape.activation, generator: &generator)
        layerNorm2 = LayerNorm(shape.hiddenSize, eps: shape.layerNormEps)
    }

    public func callAsFunction(_ x: Tensor, causal: Bool) -> Tensor {
        let h = x + selfAttn(layerNorm1(x), causal: causal)
        return h + mlp(layerNorm2(h))
    }

    public func visitParameters(_ v: inout ParameterVisitor) {
        v.child("self_attn", selfAttn)
        v.child("layer_norm1", layerNorm1)
        v.child("mlp", mlp)
        v.child("layer_norm2", layerNorm2)
    }
}

/// The sizes one CLIP tower's encoder is built from (the text and vision configs both provide them).
struct CLIPEncoderShape {
    let hiddenSize: Int, intermediateSize: Int, heads: Int, layers: Int
    let layerNormEps: Float
    let activation: TransformerActivation
}

/// transformers' `CLIPEncoder`: `layers.0`, `layers.1`, …
public final class CLIPEncoder: Module {
    public let layers: [CLIPEncoderLayer]
    /// Recompute each layer during backward instead of keeping its activations (transformers'
    /// `gradient_checkpointing_enable()`): less memory when training the text encoder, one more forward in time.
    public var gradientCheckpointing = false

    init(_ shape: CLIPEncoderShape, generator: inout RandomGenerator) {
        layers = (0..<shape.layers).map { _ in CLIPEncoderLayer(shape, generator: &generator) }
    }

    /// The hidden states after the first `count` layers (all of them by default).
    public func callAsFunction(_ x: Tensor, causal: Bool, layers count: Int? = nil) -> Tensor {
        layers.prefix(count ?? layers.count).reduce(x) { h, layer in
            guard gradientCheckpointing && GradMode.isEnabled else { return layer(h, causal: causal) }
            return checkpoint([h]) { inputs in layer(inputs[0], causal: causal) }
        }
    }

    public func visitParameters(_ v: inout ParameterVisitor) { v.children("layers", layers) }
}
