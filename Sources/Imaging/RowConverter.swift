/// Turns one decoded row of 1–4 interleaved 8/16-bit channels into the three float planes, compositing alpha
/// on white. Gray rows fill all three planes.
struct RowConverter {
    let width: Int
    let plane: Int
    let channels: Int
    let sixteenBit: Bool

    init(width: Int, height: Int, channels: Int, sixteenBit: Bool) {
        self.width = width
        self.plane = width * height
        self.channels = channels
        self.sixteenBit = sixteenBit
    }

    func convert(row: UnsafeRawPointer, y: Int, into out: UnsafeMutableBufferPointer<Float>) {
        let r = out.baseAddress! + y * width
        let g = r + plane
        let b = g + plane
        if sixteenBit {
            convert(row.assumingMemoryBound(to: UInt16.self), scale: 1 / 65535, r, g, b)
        } else {
            convert(row.assumingMemoryBound(to: UInt8.self), scale: 1 / 255, r, g, b)
        }
    }

    @inline(__always)
    private func convert<T: BinaryInteger>(
        _ s: UnsafePointer<T>, scale: Float, _ r: UnsafeMutablePointer<Float>, _ g: UnsafeMutablePointer<Float>,
        _ b: UnsafeMutablePointer<Float>
    ) {
        switch channels {
        case 1:
            for x in 0..<width {
                let v = Float(s[x]) * scale
                r[x] = v; g[x] = v; b[x] = v
            }
        case 2:
            for x in 0..<width {
                let a = Float(s[2 * x + 1]) * scale
                let v = Float(s[2 * x]) * scale * a + (1 - a)
                r[x] = v; g[x] = v; b[x] = v
            }
        case 3:
            for x in 0..<width {
                r[x] = Float(s[3 * x]) * scale
                g[x] = Float(s[3 * x + 1]) * scale
                b[x] = Float(s[3 * x + 2]) * scale
            }
        default:
            for x in 0..<width {
                let a = Float(s[4 * x + 3]) * scale
                let white = 1 - a
                r[x] = Float(s[4 * x]) * scale * a + white
                g[x] = Float(s[4 * x + 1]) * scale * a + white
                b[x] = Float(s[4 * x + 2]) * scale * a + white
            }
        }
    }
}
