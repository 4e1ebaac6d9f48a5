import Tensor

/// A layer LoRA can adapt: `Linear` or `Conv2d`, as PEFT's `lora.Linear` and `lora.Conv2d`.
public protocol AdaptableLayer: Module {
    /// The base weight (`[out, in]` or `[O, C, k, k]`); merging adds the update into it.
    var weight: Tensor { get }
    /// The branch added to the layer's output.
    var adapter: (any LayerAdapter)? { get set }
    /// The shape of the update this layer takes.
    var loraGeometry: LoRAGeometry { get }
}

extension Linear: AdaptableLayer {
    public var loraGeometry: LoRAGeometry { .linear(inFeatures: weight.shape[1], outFeatures: weight.shape[0]) }
}

extension Conv2d: AdaptableLayer {
    public var loraGeometry: LoRAGeometry {
        .conv2d(inChannels: weight.shape[1], outChannels: weight.shape[0], kernelSize: weight.shape[2],
                stride: stride, padding: padding)
    }
}

/// The shapes of a LoRA update: `A` has the base layer's input side (for a convolution its kernel, stride and
/// padding too), `B` maps the rank to the outputs (a 1×1 convolution), as PEFT builds them.
public enum LoRAGeometry: Equatable, Sendable {
    case linear(inFeatures: Int, outFeatures: Int)
    case conv2d(inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int, padding: Int)

    /// `lora_A.weight`: `[r, in]` or `[r, C, k, k]`.
    public func downShape(rank: Int) -> [Int] {
        switch self {
        case let .linear(inF, _): [rank, inF]
        case let .conv2d(c, _, k, _, _): [rank, c, k, k]
        }
    }

    /// `lora_B.weight`: `[out, r]` or `[O, r, 1, 1]`.
    public func upShape(rank: Int) -> [Int] {
        switch self {
        case let .linear(_, out): [out, rank]
        case let .conv2d(_, o, _, _, _): [o, rank, 1, 1]
        }
    }

    /// Inputs per output of `A` (kaiming-uniform's fan-in).
    var fanIn: Int {
        switch self {
        case let .linear(inF, _): inF
        case let .conv2d(c, _, k, _, _): c * k * k
        }
    }
}

/// One LoRA branch: adds `scale · B(A(dropout(x)))` to its layer's output (PEFT's `lora.Linear` / `lora.Conv2d`).
///
/// As a `Module` its parameters are `lora_A.weight` and `lora_B.weight`, PEFT's names, so an adapter set's state
/// dict is the PEFT state dict. `A` starts kaiming-uniform (a = √5, bound 1/√fan-in) and `B` at zero, as PEFT
/// does, so a fresh adapter leaves the model's output unchanged.
public final class LoRALayer: LayerAdapter, Module {
    /// The adapted layer's geometry.
    public let geometry: LoRAGeometry
    /// `lora_A.weight`, the down projection.
    public var down: Tensor
    /// `lora_B.weight`, the up projection.
    public var up: Tensor
    /// `lora_alpha` of this module (kohya files store one per module).
    public let alpha: Float
    /// Probability of zeroing the input while `training`.
    public let dropout: Float
    /// Dropout is applied only while this is true (PEFT's `module.train()`).
    public var training = false
    /// The dropout mask's generator; advances with each training forward.
    public var generator: RandomGenerator

    /// The rank `r`.
    public var rank: Int { down.shape[0] }
    /// `alpha / r`.
    public var scale: Float { alpha / Float(rank) }

    /// A fresh adapter: A random from `generator`, B zero.
    public init(_ geometry: LoRAGeometry, rank: Int, alpha: Float, dropout: Float = 0,
                generator: inout RandomGenerator) {
        self.geometry = geometry
        let bound = 1 / Float(max(geometry.fanIn, 1)).squareRoot()
        down = Tensor.uniform(geometry.downShape(rank: rank), low: -bound, high: bound, generator: &generator)
            .requiringGrad()
        up = Tensor.zeros(geometry.upShape(rank: rank)).requiringGrad()
        self.alpha = alpha
        self.dropout = dropout
        // Dropout draws from its own stream, so training with dropout does not shift later initialisations.
        self.generator = RandomGenerator(seed: generator.seed ^ 0x4C6F_5241, offset: generator.offset)
    }

    /// An adapter with given weights (loaded from a file), reshaped to the geometry's shapes: a kohya file may
    /// store a 1×1 convolution's update as matrices or a linear one as 1×1 kernels.
    public init(_ geometry: LoRAGeometry, down: Tensor, up: Tensor, alpha: Float, dropout: Float = 0)
        throws(LoRAError)
    {
        let rank = down.shape.first ?? 0
        let downShape = geometry.downShape(rank: rank), upShape = geometry.upShape(rank: rank)
        guard rank > 0, down.count == downShape.reduce(1, *), up.count == upShape.reduce(1, *),
              up.shape.count >= 2, up.shape[1] == rank else {
            throw LoRAError("A \(down.shape) and B \(up.shape) do not fit the layer (expected \(downShape) and \(upShape))")
        }
        self.geometry = geometry
        self.down = down.reshaped(downShape).requiringGrad()
        self.up = up.reshaped(upShape).requiringGrad()
        self.alpha = alpha
        self.dropout = dropout
        generator = RandomGenerator(seed: 0)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        let input = training && dropout > 0 ? x.dropout(dropout, generator: &generator) : x
        switch geometry {
        case .linear:
            return Tensor.linear(Tensor.linear(input, weight: down), weight: up) * scale
        case let .conv2d(_, _, _, stride, padding):
            return Tensor.conv2d(Tensor.conv2d(input, weight: down, stride: stride, padding: padding), weight: up) * scale
        }
    }

    /// `scale · B·A` in the base weight's shape: what merging adds to it.
    public func delta() -> Tensor {
        noGrad {
            let (out, r) = (up.shape[0], rank)
            let product = Tensor.matmul(up.reshaped([out, r]), down.reshaped([r, down.count / r]))
            return product.reshaped(Array(up.shape.prefix(1)) + Array(down.shape.dropFirst())) * scale
        }
    }

    public func visitParameters(_ v: inout ParameterVisitor) {
        v.parameter("lora_A.weight", &down)
        v.parameter("lora_B.weight", &up)
    }
}
