import Imaging

/// One filled shape of a picture's display list: the list is built once in unit coordinates and rasterized at
/// any size, which is what makes a scene the same picture at 64 and at 256 pixels.
struct Paint: Sendable {
    var shape: SDF
    var color: RGB
    var alpha: Float = 1
    /// Extra edge blur in unit coordinates (soft shadows, glows); 0 is a crisp, one-pixel anti-aliased edge.
    var soft: Float = 0
    /// Coverage is multiplied by this shape's: patterns stay inside the body they decorate.
    var clip: SDF? = nil
}

/// A square RGB picture being drawn: planar Float32, like `Image`.
struct Canvas {
    let size: Int
    var pixels: [Float]

    init(size: Int) {
        self.size = size
        pixels = [Float](repeating: 0, count: 3 * size * size)
    }

    /// Fills rows from `top` to `bottom` (unit y) with a vertical gradient from `from` to `to`.
    mutating func gradient(top: Float, bottom: Float, from: RGB, to: RGB) {
        let s = Float(size), plane = size * size
        let y0 = max(0, Int((top * s).rounded(.down))), y1 = min(size, Int((bottom * s).rounded(.up)))
        guard y0 < y1 else { return }
        let size = size
        pixels.withUnsafeMutableBufferPointer { p in
            for y in y0..<y1 {
                let fy = (Float(y) + 0.5) / s
                // Partial coverage of the first and last rows keeps a gradient's edge anti-aliased.
                let cover = min(max(0.5 + (fy - top) * s, 0), 1) * min(max(0.5 + (bottom - fy) * s, 0), 1)
                guard cover > 0 else { continue }
                let t = min(max((fy - top) / max(bottom - top, 1e-6), 0), 1)
                let c = from.mixed(to, t)
                for (k, v) in [c.r, c.g, c.b].enumerated() {
                    let row = k * plane + y * size
                    for x in 0..<size { p[row + x] += (v - p[row + x]) * cover }
                }
            }
        }
    }

    /// Blends `paint` over the canvas, visiting only the pixels its bounds (and its clip's) can touch.
    mutating func draw(_ paint: Paint) {
        let s = Float(size), pixel = 1 / s
        let width = pixel + paint.soft, invWidth = 1 / width
        var b = paint.shape.bounds
        if let clip = paint.clip { b = b.intersection(clip.bounds) }
        let pad = width
        let x0 = max(0, Int(((b.minX - pad) * s).rounded(.down))), x1 = min(size, Int(((b.maxX + pad) * s).rounded(.up)))
        let y0 = max(0, Int(((b.minY - pad) * s).rounded(.down))), y1 = min(size, Int(((b.maxY + pad) * s).rounded(.up)))
        guard x0 < x1, y0 < y1, paint.alpha > 0 else { return }
        let plane = size * size, size = size
        let shape = paint.shape, clip = paint.clip, alpha = paint.alpha
        let r = paint.color.r, g = paint.color.g, bl = paint.color.b
        let clipInv = 1 / pixel
        pixels.withUnsafeMutableBufferPointer { p in
            for y in y0..<y1 {
                let fy = (Float(y) + 0.5) * pixel
                let row = y * size
                for x in x0..<x1 {
                    let fx = (Float(x) + 0.5) * pixel
                    var a = min(max(0.5 - shape.distance(fx, fy) * invWidth, 0), 1)
                    if a == 0 { continue }
                    if let clip { a *= min(max(0.5 - clip.distance(fx, fy) * clipInv, 0), 1) }
                    a *= alpha
                    if a == 0 { continue }
                    let i = row + x
                    p[i] += (r - p[i]) * a
                    p[plane + i] += (g - p[plane + i]) * a
                    p[2 * plane + i] += (bl - p[2 * plane + i]) * a
                }
            }
        }
    }

    /// The picture, clamped to [0, 1].
    func image() -> Image {
        var out = [Float](repeating: 0, count: pixels.count)
        out.withUnsafeMutableBufferPointer { write(to: $0.baseAddress!, scale: 1, offset: 0) }
        return Image(width: size, height: size, channels: 3, pixels: out)
    }

    /// Writes the samples, clamped to [0, 1], as `v · scale + offset` (2 and −1 give a model's [−1, 1]), then, when
    /// `channels` is given, each plane `c` as `w · channels[c].scale + channels[c].shift` (an image processor's
    /// normalisation, in the same two roundings as applying it to the written batch afterwards).
    func write(to out: UnsafeMutablePointer<Float>, scale: Float, offset: Float,
               channels: [(scale: Float, shift: Float)]? = nil) {
        pixels.withUnsafeBufferPointer { p in
            guard let channels else {
                for i in 0..<p.count { out[i] = min(max(p[i], 0), 1) * scale + offset }
                return
            }
            let plane = size * size
            for (c, affine) in channels.enumerated() {
                for i in c * plane..<(c + 1) * plane {
                    out[i] = (min(max(p[i], 0), 1) * scale + offset) * affine.scale + affine.shift
                }
            }
        }
    }
}
