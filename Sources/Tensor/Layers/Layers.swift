import Foundation

/// PyTorch's default initialisation for Linear and Conv2d: uniform in ±1/√fanIn for weight and bias
/// (kaiming-uniform with a = √5 reduces to this bound).
func defaultInit(_ shape: [Int], fanIn: Int, generator: inout RandomGenerator) -> Tensor {
    let bound = 1 / Float(Swift.max(fanIn, 1)).squareRoot()
    return Tensor.uniform(shape, low: -bound, high: bound, generator: &generator).requiringGrad()
}

/// A branch added to a `Linear`'s or `Conv2d`'s output, `y = layer(x) + adapter(x)` (a LoRA update). The layer
/// holds it outside `visitParameters`, so the base model's checkpoint names and strict loading do not change.
public protocol LayerAdapter: AnyObject {
    /// The term added to the layer's output for its input `x` (same shape as the output).
    func callAsFunction(_ x: Tensor) -> Tensor
}

/// `nn.Linear`: y = x·Wᵀ + b, weight `[out, in]`.
public final class Linear: Module {
    public var weight: Tensor
    public var bias: Tensor?
    /// Added to the output when set (LoRA); not a parameter of this layer.
    public var adapter: (any LayerAdapter)?

    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, generator: inout RandomGenerator) {
        weight = defaultInit([outFeatures, inFeatures], fanIn: inFeatures, generator: &generator)
        self.bias = bias ? defaultInit([outFeatures], fanIn: inFeatures, generator: &generator) : nil
    }

    /// x·Wᵀ + b, plus `residual` inside the same GEMM if given; plus the adapter's output (LoRA) when one is set.
    public func callAsFunction(_ x: Tensor, residual: Tensor? = nil) -> Tensor {
        let y = Tensor.linear(x, weight: weight, bias: bias, residual: residual)
        guard let adapter else { return y }
        return y + adapter(x)
    }

    public func visitParameters(_ v: inout ParameterVisitor) {
        v.parameter("weight", &weight)
        v.parameter("bias", &bias)
    }
}

/// `nn.Conv2d` (groups 1, dilation 1), weight `[O, C, k, k]`.
public final class Conv2d: Module {
    public var weight: Tensor
    public var bias: Tensor?
    public let stride: Int, padding: Int
    /// Added to the output when set (LoRA); not a parameter of this layer.
    public var adapter: (any LayerAdapter)?

    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                bias: Bool = true, generator: inout RandomGenerator) {
        let fanIn = inChannels * kernelSize * kernelSize
        weight = defaultInit([outChannels, inChannels, kernelSize, kernelSize], fanIn: fanIn, generator: &generator)
        self.bias = bias ? defaultInit([outChannels], fanIn: fanIn, generator: &generator) : nil
        self.stride = stride
        self.padding = padding
    }

    /// The convolution, plus `residual` inside the same GEMM if given (a ResNet block's skip connection); plus the
    /// adapter's output (LoRA) when one is set.
    public func callAsFunction(_ x: Tensor, residual: Tensor? = nil) -> Tensor {
        let y = Tensor.conv2d(x, weight: weight, bias: bias, stride: stride, padding: padding, residual: residual)
        guard let adapter else { return y }
        return y + adapter(x)
    }

    public func visitParameters(_ v: inout ParameterVisitor) {
        v.parameter("weight", &weight)
        v.parameter("bias", &bias)
    }
}

/// `nn.GroupNorm` with affine weight (ones) and bias (zeros).
public final class GroupNorm: Module {
    public var weight: Tensor, bias: Tensor
    public let groups: Int, eps: Float

    public init(groups: Int, channels: Int, eps: Float = 1e-5) {
        weight = Tensor.ones([channels]).requiringGrad()
        bias = Tensor.zeros([channels]).requiringGrad()
        self.groups = groups
        self.eps = eps
    }

    /// Normalises `x`, optionally followed by a fused activation (norm → SiLU in one pass).
    public func callAsFunction(_ x: Tensor, activation: NormActivation = .none) -> Tensor {
        Tensor.groupNorm(x, groups: groups, weight: weight, bias: bias, eps: eps, activation: activation)
    }

    public func visitParameters(_ v: inout ParameterVisitor) {
        v.parameter("weight", &weight)
        v.parameter("bias", &bias)
    }
}

/// `nn.LayerNorm` over the last dimension.
public final class LayerNorm: Module {
    public var weight: Tensor, bias: Tensor
    public let eps: Float

    public init(_ features: Int, eps: Float = 1e-5) {
        weight = Tensor.ones([features]).requiringGrad()
        bias = Tensor.zeros([features]).requiringGrad()
        self.eps = eps
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { Tensor.layerNorm(x, weight: weight, bias: bias, eps: eps) }

    public func visitParameters(_ v: inout ParameterVisitor) {
        v.parameter("weight", &weight)
        v.parameter("bias", &bias)
    }
}

/// `nn.Embedding`: a `[V, E]` table initialised from N(0, 1).
public final class Embedding: Module {
    public var weight: Tensor

    public init(_ count: Int, _ features: Int, generator: inout RandomGenerator) {
        weight = Tensor.randn([count, features], generator: &generator).requiringGrad()
    }

    public func callAsFunction(_ ids: [Int], shape: [Int]? = nil) -> Tensor { Tensor.embedding(weight, ids: ids, shape: shape) }

    public func visitParameters(_ v: inout ParameterVisitor) { v.parameter("weight", &weight) }
}
