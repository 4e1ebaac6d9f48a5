import Foundation

/// A plain line chart (loss curves, metrics over steps): axes, one polyline per series, the y range and the last
/// x written in the bitmap font. Small and dependency-free, so every training stage can draw its curve.
public enum LineChart {
    public struct Series: Sendable {
        public var points: [(x: Double, y: Double)]
        public var color: [Float]
        public init(points: [(x: Double, y: Double)], color: [Float]) {
            self.points = points
            self.color = color
        }
    }

    /// Draws `series` on a white `width`×`height` canvas. `logY` plots log10(y), as loss curves read best.
    public static func draw(_ series: [Series], title: String, width: Int = 480, height: Int = 240,
                            logY: Bool = false) -> Image {
        var canvas = Image(width: width, height: height, color: [1, 1, 1])
        let left = 44, right = width - 8, top = 16, bottom = height - 14
        let transform: (Double) -> Double = logY ? { log10(Swift.max($0, 1e-12)) } : { $0 }
        let all = series.flatMap(\.points).filter { $0.y.isFinite && (!logY || $0.y > 0) }
        BitmapFont.draw(title, into: &canvas, x: left, y: 3, color: [0, 0, 0])
        guard let minX = all.map(\.x).min(), let maxX = all.map(\.x).max(),
              let minY = all.map({ transform($0.y) }).min(), let maxY = all.map({ transform($0.y) }).max() else {
            return canvas
        }
        let spanX = Swift.max(maxX - minX, 1e-12), spanY = Swift.max(maxY - minY, 1e-12)
        func pixel(_ x: Double, _ y: Double) -> (Double, Double) {
            (Double(left) + (x - minX) / spanX * Double(right - left),
             Double(bottom) - (transform(y) - minY) / spanY * Double(bottom - top))
        }
        let axis: [Float] = [0.35, 0.35, 0.35]
        line(&canvas, Double(left), Double(top), Double(left), Double(bottom), axis)
        line(&canvas, Double(left), Double(bottom), Double(right), Double(bottom), axis)
        let label: (Double) -> String = { logY ? format(pow(10, $0)) : format($0) }
        BitmapFont.draw(label(maxY), into: &canvas, x: 2, y: top, color: axis)
        BitmapFont.draw(label(minY), into: &canvas, x: 2, y: bottom - 7, color: axis)
        let last = format(maxX)
        BitmapFont.draw(last, into: &canvas, x: right - BitmapFont.width(of: last), y: bottom + 3, color: axis)
        for s in series {
            let visible = s.points.filter { $0.y.isFinite && (!logY || $0.y > 0) }
            for (a, b) in zip(visible, visible.dropFirst()) {
                let p = pixel(a.x, a.y), q = pixel(b.x, b.y)
                line(&canvas, p.0, p.1, q.0, q.1, s.color)
            }
        }
        return canvas
    }

    /// Four significant digits, no exponent for ordinary magnitudes.
    static func format(_ v: Double) -> String {
        let magnitude = Swift.abs(v)
        if magnitude != 0 && (magnitude < 1e-3 || magnitude >= 1e6) { return String(format: "%.2e", v) }
        return String(format: "%.4g", v)
    }

    /// A one-pixel line by DDA sampling, enough for charts.
    static func line(_ image: inout Image, _ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double, _ color: [Float]) {
        let steps = Swift.max(1, Int(Swift.max(Swift.abs(x1 - x0), Swift.abs(y1 - y0)).rounded(.up)))
        for i in 0...steps {
            let t = Double(i) / Double(steps)
            let x = Int((x0 + (x1 - x0) * t).rounded()), y = Int((y0 + (y1 - y0) * t).rounded())
            guard x >= 0, y >= 0, x < image.width, y < image.height else { continue }
            for c in 0..<Swift.min(image.channels, color.count) { image[c, y, x] = color[c] }
        }
    }
}
