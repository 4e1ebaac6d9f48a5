extension Image {
    /// The `width`×`height` window whose top-left corner is (`x`, `y`). Parts outside the image are filled with
    /// 0 (black), as torchvision pads a crop larger than its input.
    public func cropped(x: Int, y: Int, width newWidth: Int, height newHeight: Int) -> Image {
        precondition(newWidth >= 0 && newHeight >= 0)
        var out = [Float](repeating: 0, count: channels * newWidth * newHeight)
        let x0 = max(x, 0), x1 = min(x + newWidth, width)
        let y0 = max(y, 0), y1 = min(y + newHeight, height)
        if x0 < x1 && y0 < y1 {
            pixels.withUnsafeBufferPointer { src in
                out.withUnsafeMutableBufferPointer { dst in
                    for c in 0..<channels {
                        for row in y0..<y1 {
                            let from = src.baseAddress! + (c * height + row) * width + x0
                            let to = dst.baseAddress! + (c * newHeight + row - y) * newWidth + (x0 - x)
                            to.update(from: from, count: x1 - x0)
                        }
                    }
                }
            }
        }
        return Image(width: newWidth, height: newHeight, channels: channels, pixels: out)
    }

    /// torchvision's `CenterCrop`: offsets `round((size - crop) / 2)` with Python's round-half-to-even, so an
    /// odd surplus of 1 puts the window at 0, of 3 at 2.
    public func centerCropped(width newWidth: Int, height newHeight: Int) -> Image {
        cropped(
            x: Self.halfRoundedEven(width - newWidth), y: Self.halfRoundedEven(height - newHeight), width: newWidth,
            height: newHeight)
    }

    /// A uniformly placed `width`×`height` window (torchvision's `RandomCrop` without padding), drawn from `rng`
    /// (our own draw, not the standard library's, whose algorithm may change between Swift releases).
    public func randomCropped(width newWidth: Int, height newHeight: Int, using rng: inout SplitMix64) -> Image {
        let y = height > newHeight ? rng.below(height - newHeight + 1) : 0
        let x = width > newWidth ? rng.below(width - newWidth + 1) : 0
        return cropped(x: x, y: y, width: newWidth, height: newHeight)
    }

    /// Left and right swapped.
    public func flippedHorizontally() -> Image { oriented(.mirrored) }

    /// `round(n / 2)` rounding halves to even, as Python's `round`.
    static func halfRoundedEven(_ n: Int) -> Int { Int((Double(n) / 2).rounded(.toNearestOrEven)) }
}
