import Tensor

/// One random stream per image, so image i gets the same noise whatever the batch it is generated in.
///
/// diffusers gets the same property from a list of `torch.Generator`s; dbrun's generator is counter-based
/// (`RandomGenerator`), so a stream is just its seed and how far it has been drawn.
public struct SeededNoise: Sendable {
    /// The generators, one per batch item, advanced by every draw.
    public private(set) var generators: [RandomGenerator]

    /// Streams for `seeds`, one per image.
    public init(seeds: [UInt64]) {
        generators = seeds.map { RandomGenerator(seed: $0) }
    }

    /// The number of images.
    public var count: Int { generators.count }

    /// Standard normal noise of shape `[count] + itemShape`: item i drawn from generator i alone.
    public mutating func draw(_ itemShape: [Int]) -> Tensor {
        let parts = generators.indices.map { i in
            Tensor.randn(itemShape, generator: &generators[i]).reshaped([1] + itemShape)
        }
        return parts.count == 1 ? parts[0] : Tensor.concat(parts, axis: 0)
    }
}
