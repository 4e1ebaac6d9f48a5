import Imaging
import Tensor

/// The bridge between images and engine tensors: a batch of same-sized images is one N×C×H×W tensor.
extension Tensor {
    /// Stacks images (all the same size and channel count) into N×C×H×W, values in [0,1] (`.unit`) or [-1,1]
    /// (`.signed`, what Stable Diffusion's VAE expects).
    public init(images: [Image], range: ValueRange = .unit) {
        precondition(!images.isEmpty, "at least one image")
        let first = images[0]
        precondition(images.allSatisfy { $0.width == first.width && $0.height == first.height && $0.channels == first.channels },
                     "images in a batch must share one size and channel count")
        self.init(shape: [images.count, first.channels, first.height, first.width],
                  scalars: Image.batchNCHW(images, range: range))
    }
}

extension Image {
    /// Splits an N×C×H×W tensor into images (values outside the range are clamped when the image is saved).
    public static func images(from tensor: Tensor, range: ValueRange = .unit) -> [Image] {
        precondition(tensor.rank == 4, "images come from an N×C×H×W tensor, got shape \(tensor.shape)")
        return fromNCHW(tensor.scalars, count: tensor.shape[0], channels: tensor.shape[1], height: tensor.shape[2],
                        width: tensor.shape[3], range: range)
    }
}
