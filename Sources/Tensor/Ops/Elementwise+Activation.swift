import Foundation

// Activations of CLIP, the UNet and the VAE, each with its derivative beside it.

extension Tensor {
    /// 1 / (1 + e^-x).
    public func sigmoid() -> Tensor {
        unary("sigmoid", { FastMath.sigmoid($0) }, derivative: { _, s in s * (1 - s) })
    }

    /// Hyperbolic tangent.
    public func tanh() -> Tensor { unary("tanh", { FastMath.tanh($0) }, derivative: { _, t in 1 - t * t }) }

    /// x·sigmoid(x) (the UNet's and VAE's activation).
    public func silu() -> Tensor {
        unary("silu", { $0 * FastMath.sigmoid($0) }, derivative: { x, _ in
            let s = FastMath.sigmoid(x)
            return s * (1 + x * (1 - s))
        })
    }

    /// GELU with the exact normal CDF, x·Φ(x) (diffusers' default `gelu`).
    public func gelu() -> Tensor {
        unary("gelu", { 0.5 * $0 * (1 + erff($0 * 0.707_106_78)) }, derivative: { x, _ in
            0.5 * (1 + erff(x * 0.707_106_78)) + x * 0.398_942_28 * FastMath.exp(-0.5 * x * x)
        })
    }

    /// GELU with the tanh approximation (`gelu_pytorch_tanh`, `approximate="tanh"`).
    public func geluTanh() -> Tensor {
        let k: Float = 0.797_884_56, c: Float = 0.044_715
        return unary("gelu_tanh", { x in 0.5 * x * (1 + FastMath.tanh(k * (x + c * x * x * x))) }, derivative: { x, _ in
            let t = FastMath.tanh(k * (x + c * x * x * x))
            return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k * (1 + 3 * c * x * x)
        })
    }

    /// x·sigmoid(1.702x) (CLIP's `quick_gelu`).
    public func quickGelu() -> Tensor {
        unary("quick_gelu", { $0 * FastMath.sigmoid(1.702 * $0) }, derivative: { x, _ in
            let s = FastMath.sigmoid(1.702 * x)
            return s + 1.702 * x * s * (1 - s)
        })
    }

    /// log(1 + e^x), linear above 20 as PyTorch's default threshold.
    public func softplus() -> Tensor {
        unary("softplus", { x in x > 20 ? x : (Swift.max(x, 0) + log1pf(FastMath.exp(-Swift.abs(x)))) },
              derivative: { x, _ in x > 20 ? 1 : FastMath.sigmoid(x) })
    }

    /// Swift.max(x, 0).
    public func relu() -> Tensor { unary("relu", { Swift.max($0, 0) }, derivative: { x, _ in x > 0 ? 1 : 0 }) }
}
