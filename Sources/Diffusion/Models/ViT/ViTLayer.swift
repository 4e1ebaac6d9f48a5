import Tensor

/// transformers' `ViTSelfAttention`: `query`, `key`, `value` (bias per `qkv_bias`).
public final class ViTSelfAttention: Module {
    public let query: Linear, key: Linear, value: Linear
    public let heads: Int

    init(_ config: ViTConfig, generator: inout RandomGenerator) {
        let e = config.hiddenSize
        query = Linear(e, e, bias: config.qkvBias, generator: &generator)
        key = Linear(e, e, bias: config.qkvBias, generator: &generator)
        value = Linear(e, e, bias: config.qkvBias, generator: &generator)
        heads = config.numAttentionHeads
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        MultiHeadAttention.selfAttention(x, query: query, key: key, value: value, heads: heads)
    }

    public func visitParameters(_ v: inout ParameterVisitor) {
        v.child("query", query)
        v.child("key", key)
        v.child("value", value)
    }
}

/// A module holding one `dense` projection (transformers' `ViTSelfOutput`, `ViTIntermediate`, `ViTOutput`).
public final class ViTDense: Module {
    public let dense: Linear

    init(_ inFeatures: Int, _ outFeatures: Int, generator: inout RandomGenerator) {
        dense = Linear(inFeatures, outFeatures, generator: &generator)
    }

    public func visitParameters(_ v: inout ParameterVisitor) { v.child("dense", dense) }
}

/// transformers' `ViTAttention`: `attention` (the heads) and `output.dense`.
public final class ViTAttention: Module {
    public let attention: ViTSelfAttention
    public let output: ViTDense

    init(_ config: ViTConfig, generator: inout RandomGenerator) {
        attention = ViTSelfAttention(config, generator: &generator)
        output = ViTDense(config.hiddenSize, config.hiddenSize, generator: &generator)
    }

    func callAsFunction(_ x: Tensor) -> Tensor { output.dense(attention(x)) }

    public func visitParameters(_ v: inout ParameterVisitor) {
        v.child("attention", attention)
        v.child("output", output)
    }
}

/// transformers' `ViTLayer`, pre-norm: x + attention(layernorm_before(x)), then
/// x + output.dense(act(intermediate.dense(layernorm_after(x)))).
public final class ViTLayer: Module {
    public let attention: ViTAttention
    public let intermediate: ViTDense
    public let output: ViTDense
    public let layernormBefore: LayerNorm, layernormAfter: LayerNorm
    let activation: TransformerActivation

    init(_ config: ViTConfig, activation: TransformerActivation, generator: inout RandomGenerator) {
        let eps = Float(config.layerNormEps)
        attention = ViTAttention(config, generator: &generator)
        intermediate = ViTDense(config.hiddenSize, config.intermediateSize, generator: &generator)
        output = ViTDense(config.intermediateSize, config.hiddenSize, generator: &generator)
        layernormBefore = LayerNorm(config.hiddenSize, eps: eps)
        layernormAfter = LayerNorm(config.hiddenSize, eps: eps)
        self.activation = activation
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        let h = x + attention(layernormBefore(x))
        return h + output.dense(activation(intermediate.dense(layernormAfter(h))))
    }

    public func visitParameters(_ v: inout ParameterVisitor) {
        v.child("attention", attention)
        v.child("intermediate", intermediate)
        v.child("output", output)
        v.child("layernorm_before", layernormBefore)
        v.child("layernorm_after", layernormAfter)
    }
}

/// transformers' `ViTEncoder`: `layer.0`, `layer.1`, … (singular, unlike CLIP's `layers`).
public final class ViTEncoder: Module {
    public let layer: [ViTLayer]

    init(_ config: ViTConfig, activation: TransformerActivation, generator: inout RandomGenerator) {
        layer = (0..<config.numHiddenLayers).map { _ in ViTLayer(config, activation: activation, generator: &generator) }
    }

    func callAsFunction(_ x: Tensor) -> Tensor { layer.reduce(x) { h, l in l(h) } }

    public func visitParameters(_ v: inout ParameterVisitor) { v.children("layer", layer) }
}
