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
    ///
    /// Only the crop window of the resized image is computed (the same samples as resizing everything and then
    /// cropping), so a long strip of an image costs no more than a square one.
    public func apply(_ image: Image, seed: UInt64 = 0) -> Image {
        var rng = SplitMix64(seed: seed)
        let (w, h) = Image.shortSideSize(width: image.width, height: image.height, size: resolution)
        let (columns, rows) = window(width: w, height: h, rng: &rng)
        var out: Image
        if w == image.width && h == image.height {
            out = image.cropped(x: columns.lowerBound, y: rows.lowerBound, width: resolution, height: resolution)
        } else {
            out = image.resized(width: w, height: h, columns: columns, rows: rows, filter: filter, precision: precision)
        }
        if randomFlip && rng.coin() { out = out.flippedHorizontally() }
        return out
    }

    /// Reads a file and transforms it; the same result as `apply(Image(contentsOf: path), seed:)`, but with
    /// `.eightBit` precision a JPEG goes from decoder to training size in bytes, several times faster.
    public func load(contentsOf path: String, seed: UInt64 = 0, limits: DecodeLimits = .default) throws(ImageError)
        -> Image
    {
        let data = try ImageDecoder.readFile(path, limits: limits)
        guard precision == .eightBit, ImageFormat.sniff(data) == .jpeg else {
            return apply(try ImageDecoder.decode(data, path: path, limits: limits).image, seed: seed)
        }
        let planes = try ImageDecoder.decodeJPEGBytes(data, path: path, limits: limits).0
        var rng = SplitMix64(seed: seed)
        let (w, h) = Image.shortSideSize(width: planes.width, height: planes.height, size: resolution)
        let (columns, rows) = window(width: w, height: h, rng: &rng)
        var out = EightBitResampler.resize(planes, width: w, height: h, columns: columns, rows: rows, filter: filter).image()
        if randomFlip && rng.coin() { out = out.flippedHorizontally() }
        return out
    }

    /// The crop window in the resized image: torchvision's `CenterCrop` offsets, or a seeded `RandomCrop`
    /// (row offset drawn first, as `Image.randomCropped` does).
    private func window(width: Int, height: Int, rng: inout SplitMix64) -> (columns: Range<Int>, rows: Range<Int>) {
        let x: Int, y: Int
        if centerCrop {
            x = Image.halfRoundedEven(width - resolution)
            y = Image.halfRoundedEven(height - resolution)
        } else {
            y = height > resolution ? rng.below(height - resolution + 1) : 0
            x = width > resolution ? rng.below(width - resolution + 1) : 0
        }
        return (x..<x + resolution, y..<y + resolution)
    }
}
