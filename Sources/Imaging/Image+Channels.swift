extension Image {
    /// Gray (1 channel) or gray+alpha (2) to RGB (3) or RGBA (4) by repeating the gray plane.
    public func expandedToRGB() -> Image {
        guard channels <= 2 else { return self }
        let plane = planeSize
        var out = [Float](repeating: 0, count: plane * (channels + 2))
        for c in 0..<3 { out.replaceSubrange(c * plane..<(c + 1) * plane, with: pixels[0..<plane]) }
        if channels == 2 { out.replaceSubrange(3 * plane..<4 * plane, with: pixels[plane..<2 * plane]) }
        return Image(width: width, height: height, channels: channels + 2, pixels: out)
    }

    /// RGBA to RGB over a white background (what decoders do with transparency); other images unchanged.
    public func compositedOnWhite() -> Image {
        guard channels == 4 else { return self }
        let plane = planeSize
        var out = [Float](repeating: 0, count: plane * 3)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for i in 0..<plane {
                    let a = src[3 * plane + i]
                    for c in 0..<3 { dst[c * plane + i] = src[c * plane + i] * a + (1 - a) }
                }
            }
        }
        return Image(width: width, height: height, channels: 3, pixels: out)
    }
}
