import Foundation
import Tensor

/// diffusers' `Timesteps` (`get_timestep_embedding`): sinusoidal features of the timestep, computed on the host
/// in Float32 as PyTorch does, since timesteps are constants with no gradient.
public struct Timesteps: Sendable {
    public let channels: Int
    /// Put cosines first (`flip_sin_to_cos`; true for Stable Diffusion).
    public let flipSinToCos: Bool
    /// `freq_shift` (`downscale_freq_shift`): the frequency exponent divides by `half - shift`.
    public let frequencyShift: Float

    public init(channels: Int, flipSinToCos: Bool, frequencyShift: Float) {
        self.channels = channels
        self.flipSinToCos = flipSinToCos
        self.frequencyShift = frequencyShift
    }

    /// `[N]` timesteps → `[N, channels]`.
    public func callAsFunction(_ timesteps: [Float]) -> Tensor {
        let half = channels / 2
        let logPeriod = Float(Foundation.log(10000.0))
        let frequencies = (0..<half).map { i in Foundation.exp(-logPeriod * Float(i) / (Float(half) - frequencyShift)) }
        var values = [Float](repeating: 0, count: timesteps.count * channels)
        for (n, t) in timesteps.enumerated() {
            for i in 0..<half {
                let arg = t * frequencies[i]
                let (first, second) = flipSinToCos ? (Foundation.cos(arg), Foundation.sin(arg)) : (Foundation.sin(arg), Foundation.cos(arg))
                values[n * channels + i] = first
                values[n * channels + half + i] = second
            }
        }
        return Tensor(shape: [timesteps.count, channels], scalars: values)
    }
}

/// diffusers' `TimestepEmbedding`: `linear_1` → SiLU → `linear_2`.
public final class TimestepEmbedding: Module {
    public let linear1: Linear, linear2: Linear

    public init(inChannels: Int, embeddingChannels: Int, generator: inout RandomGenerator) {
        linear1 = Linear(inChannels, embeddingChannels, generator: &generator)
        linear2 = Linear(embeddingChannels, embeddingChannels, generator: &generator)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { linear2(linear1(x).silu()) }

    public func visitParameters(_ v: inout ParameterVisitor) {
        v.child("linear_1", linear1)
        v.child("linear_2", linear2)
    }
}
