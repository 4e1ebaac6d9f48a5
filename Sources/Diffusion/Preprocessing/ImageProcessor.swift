import Foundation
import Imaging
import Tensor

/// Turns images into a model's `pixel_values` exactly as transformers' `CLIPImageProcessor`/`ViTImageProcessor`
/// (PIL arithmetic): resize with PIL's 8-bit resampler, centre crop at `(size − crop) // 2` (zero padding where the
/// crop is larger), rescale the bytes by `rescale_factor`, normalise by mean and std per channel.
///
/// Resizing in 8 bits matters: transformers hands PIL the decoded bytes and gets bytes back, and a float resize
/// differs by up to a grey level, far above the 1e-4 parity the scores need. Images that are not on the 8-bit grid
/// (a decoder's float output) are rounded to it first, which is what saving them as PNG and scoring the file does.
///
/// Two deliberate differences from `processor(images=PIL.Image.open(path))`, both from `ImageDecoder`: EXIF
/// orientation is applied (PIL leaves a phone photo sideways), and transparency is composited on white in float
/// arithmetic (transformers' `convert_to_rgb` also uses white, in PIL's integer arithmetic: ±1 grey level at
/// partly transparent pixels).
public struct ImageProcessor: Sendable {
    public let config: ImageProcessorConfig

    public init(_ config: ImageProcessorConfig) throws(ConfigError) {
        try config.validate()
        self.config = config
    }

    /// Reads `folder/preprocessor_config.json` (a model folder, or a CLIP repository's root).
    public init(folder: String) throws(ConfigError) {
        let path = URL(fileURLWithPath: folder).appendingPathComponent("preprocessor_config.json").path
        try self.init(ImageProcessorConfig.load(path: path).config)
    }

    /// `[3, H, W]` samples of one RGB image (samples in [0, 1] as decoded from 8 bits).
    public func pixels(_ image: Image) throws -> [Float] {
        guard image.channels == 3 else {
            throw ModelInputError(model: "ImageProcessor", input: "image", "has \(image.channels) channels, expected RGB")
        }
        var image = image
        if config.doResize {
            let (w, h): (Int, Int)
            switch config.size {
            case .shortestEdge(let e): (w, h) = Image.shortSideSize(width: image.width, height: image.height, size: e)
            case .fixed(let height, let width): (w, h) = (width, height)
            }
            image = image.resized(width: w, height: h, filter: try config.filter, precision: .eightBit)
        }
        if config.doCenterCrop, case .fixed(let ch, let cw) = config.cropSize {
            image = image.cropped(x: Self.floorHalf(image.width - cw), y: Self.floorHalf(image.height - ch),
                                  width: cw, height: ch)
        }
        let plane = image.planeSize
        var out = [Float](repeating: 0, count: 3 * plane)
        for c in 0..<3 {
            // Back to the byte transformers holds, then its float64 arithmetic, rounded to Float32 once.
            let scale = config.doRescale ? config.rescaleFactor : 1
            let mean = config.doNormalize ? config.imageMean[c] : 0, std = config.doNormalize ? config.imageStd[c] : 1
            for i in 0..<plane {
                let byte = (Double(image.pixels[c * plane + i]) * 255).rounded()
                out[c * plane + i] = Float((byte * scale - mean) / std)
            }
        }
        return out
    }

    /// `pixel_values` `[N, 3, H, W]` for images that come out the same size (always so with a crop or a fixed size).
    public func pixelValues(_ images: [Image]) throws -> Tensor {
        var sizes: [(Int, Int)] = []
        var all: [Float] = []
        for image in images {
            let p = try pixels(image)
            sizes.append(outputSize(image))
            all += p
        }
        guard let first = sizes.first else {
            throw ModelInputError(model: "ImageProcessor", input: "images", "no images")
        }
        if let i = sizes.firstIndex(where: { $0 != first }) {
            throw ModelInputError(model: "ImageProcessor", input: "images[\(i)]",
                                  "comes out \(sizes[i].1)×\(sizes[i].0), image 0 \(first.1)×\(first.0); use a crop or a fixed size")
        }
        return Tensor(shape: [images.count, 3, first.1, first.0], scalars: all)
    }

    /// Decodes image files (EXIF orientation applied, RGB) and processes them.
    public func pixelValues(contentsOf paths: [String]) throws -> Tensor {
        try pixelValues(paths.map { path throws in try ImageDecoder.decode(contentsOf: path).image })
    }

    /// The (width, height) `pixels` produces for `image`.
    func outputSize(_ image: Image) -> (Int, Int) {
        if config.doCenterCrop, case .fixed(let h, let w) = config.cropSize { return (w, h) }
        guard config.doResize else { return (image.width, image.height) }
        switch config.size {
        case .shortestEdge(let e): return Image.shortSideSize(width: image.width, height: image.height, size: e)
        case .fixed(let h, let w): return (w, h)
        }
    }

    /// Python's `n // 2` (floor, also for negative n, where the crop is larger than the image).
    static func floorHalf(_ n: Int) -> Int { n >= 0 ? n / 2 : -((-n + 1) / 2) }
}
