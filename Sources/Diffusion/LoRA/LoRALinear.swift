import Tensor

/// One LoRA branch on a `Linear`: adds `scale · B·(A·dropout(x))` to the layer's output (PEFT's `lora.Linear`).
///
/// As a `Module` its parameters are `lora_A.weight` `[r, in]` and `lora_B.weight` `[out, r]`, PEFT's names, so
/// an adapter set's state dict is the PEFT state dict. `A` starts kaiming-uniform (a = √5, bound 1/√in) and `B`
/// at zero, as PEFT does, so a fresh adapter leaves the model's output unchanged.
public final class LoRALinear: LinearAdapter, Module {
    /// `lora_A.weight`, the down projection `[r, in]`.
    public var down: Tensor
    /// `lora_B.weight`, the up projection `[out, r]`.
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

    /// A fresh adapter for a `[out, in]` layer: A random from `generator`, B zero.
    public init(inFeatures: Int, outFeatures: Int, rank: Int, alpha: Float, dropout: Float = 0,
                generator: inout RandomGenerator) {
        let bound = 1 / Float(max(inFeatures, 1)).squareRoot()
        down = Tensor.uniform([rank, inFeatures], low: -bound, high: bound, generator: &generator).requiringGrad()
        up = Tensor.zeros([outFeatures, rank]).requiringGrad()
        self.alpha = alpha
        self.dropout = dropout
        // Dropout draws from its own stream, so training with dropout does not shift later initialisations.
        self.generator = RandomGenerator(seed: generator.seed ^ 0x4C6F_5241, offset: generator.offset)
    }

    /// An adapter with given weights (loaded from a file).
    public init(down: Tensor, up: Tensor, alpha: Float, dropout: Float = 0) {
        precondition(down.rank == 2 && up.rank == 2 && up.shape[1] == down.shape[0],
                     "LoRA weights A \(down.shape) and B \(up.shape) do not share a rank")
        self.down = down.requiringGrad()
        self.up = up.requiringGrad()
        self.alpha = alpha
        self.dropout = dropout
        generator = RandomGenerator(seed: 0)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        let input = training && dropout > 0 ? x.dropout(dropout, generator: &generator) : x
        let branch = Tensor.linear(Tensor.linear(input, weight: down), weight: up)
        return branch * scale
    }

    /// `scale · B·A`, `[out, in]`: what merging adds to the base weight.
    public func delta() -> Tensor {
        noGrad { Tensor.matmul(up, down) * scale }
    }

    public func visitParameters(_ v: inout ParameterVisitor) {
        v.parameter("lora_A.weight", &down)
        v.parameter("lora_B.weight", &up)
    }
}
