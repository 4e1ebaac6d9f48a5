/// How the diffusers DreamBooth scripts turn a photo into a training sample:
/// `Resize(resolution, BILINEAR)` on the short side, `CenterCrop` or `RandomCrop` to a square, optionally
/// `RandomHorizontalFlip`; `ToTensor` and `Normalize([0.5], [0.5])` happen at the tensor boundary
/// (`Image.batchNCHW(_:range: .signed)`).
///
/// Random choices come from a `SplitMix64` seeded per call, so the same (image, seed) always gives the same
/// sample regardless of what else ran before: training stays reproducible and cacheable.
public struct TrainingTransform: Sendable, Equatable {
    public var resolution: Int
    public var filter: ResamplingFilter
    /// `.eightBit` (the default) rounds like PIL, reproducing the scripts' samples; `.float` keeps precision.
    public var precision: ResamplingPrecision
    /// Center crop (diffusers `--center_crop`); otherwise a seeded random crop, the scripts' default.
    public var centerCrop: Bool
    /// Mirror with probability 1/2 (diffusers `--random_flip` in the scripts that have it).
    public var randomFlip: Bool

    public init(
        resolution: Int, filter: ResamplingFilter = .bilinear, precision: ResamplingPrecision = .eightBit,
        centerCrop: Bool = true, randomFlip: Bool = false
    ) {
        precondition(resolution > 0)
        self.resolution = resolution
        self.filter = filter
        self.precision = precision
        self.centerCrop = centerCrop
        self.randomFlip = randomFlip
    }

    /// The transformed square image. With `centerCrop` and no `randomFlip` the seed is unused.
    public func apply(_ image: Image, seed: UInt64 = 0) -> Image {
        finish(image.resizedShortSide(to: resolution, filter: filter, precision: precision), seed: seed)
    }

    /// Reads a file and transforms it; the same result as `apply(Image(contentsOf: path), seed:)`, but with
    /// `.eightBit` precision a JPEG goes from decoder to training size in bytes, several times faster.
    public func load(contentsOf path: String, seed: UInt64 = 0, limits: DecodeLimits = .default) throws(ImageError)
        -> Image
    {
        guard precision == .eightBit else { return apply(try Image(contentsOf: path, limits: limits), seed: seed) }
        let resized = try ImageDecoder.decode(contentsOf: path, shortSide: resolution, filter: filter, limits: limits)
        return finish(resized.image, seed: seed)
    }

    private func finish(_ resized: Image, seed: UInt64) -> Image {
        var rng = SplitMix64(seed: seed)
        var out =
            centerCrop
            ? resized.centerCropped(width: resolution, height: resolution)
            : resized.randomCropped(width: resolution, height: resolution, using: &rng)
        if randomFlip && rng.coin() { out = out.flippedHorizontally() }
        return out
    }
}
