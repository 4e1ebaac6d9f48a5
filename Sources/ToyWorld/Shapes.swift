/// Signed-distance shapes in unit picture coordinates (x right, y down, the picture spans [0, 1]²): negative
/// inside, positive outside. Coverage of a pixel is `clamp(0.5 − d / pixel, 0, 1)`, which anti-aliases every
/// edge by one pixel at any output size.
enum SDF: Sendable {
    case circle(x: Float, y: Float, r: Float)
    /// An ellipse with radius `rx` along the unit axis (`ux`, `uy`) and `ry` across it.
    case ellipse(x: Float, y: Float, rx: Float, ry: Float, ux: Float, uy: Float)
    /// A rectangle of half sizes `hw` × `hh` along (`ux`, `uy`), corners rounded by `radius`.
    case box(x: Float, y: Float, hw: Float, hh: Float, ux: Float, uy: Float, radius: Float)
    /// A segment from a to b, thick `ra` at a and `rb` at b.
    case capsule(ax: Float, ay: Float, bx: Float, by: Float, ra: Float, rb: Float)
    /// A circle's outline, `halfWidth` either side of radius `r`.
    case ring(x: Float, y: Float, r: Float, halfWidth: Float)
    /// A convex polygon as outward edge lines (nx, ny, c) with |n| = 1: d = max(n·p − c).
    case polygon(edges: [Float], bounds: Bounds)

    /// The signed distance at (x, y).
    @inline(__always) func distance(_ x: Float, _ y: Float) -> Float {
        switch self {
        case let .circle(cx, cy, r):
            let dx = x - cx, dy = y - cy
            return (dx * dx + dy * dy).squareRoot() - r
        case let .ellipse(cx, cy, rx, ry, ux, uy):
            let dx = x - cx, dy = y - cy
            let qx = dx * ux + dy * uy, qy = dy * ux - dx * uy
            let ax = qx / rx, ay = qy / ry
            let k0 = (ax * ax + ay * ay).squareRoot()
            let bx = ax / rx, by = ay / ry
            let k1 = (bx * bx + by * by).squareRoot()
            return k1 > 0 ? k0 * (k0 - 1) / k1 : -min(rx, ry)
        case let .box(cx, cy, hw, hh, ux, uy, radius):
            let dx = x - cx, dy = y - cy
            let qx = abs(dx * ux + dy * uy) - (hw - radius), qy = abs(dy * ux - dx * uy) - (hh - radius)
            let mx = max(qx, 0), my = max(qy, 0)
            return (mx * mx + my * my).squareRoot() + min(max(qx, qy), 0) - radius
        case let .capsule(ax, ay, bx, by, ra, rb):
            let px = x - ax, py = y - ay, vx = bx - ax, vy = by - ay
            let len2 = vx * vx + vy * vy
            let h = len2 > 0 ? min(max((px * vx + py * vy) / len2, 0), 1) : 0
            let ex = px - vx * h, ey = py - vy * h
            return (ex * ex + ey * ey).squareRoot() - (ra + (rb - ra) * h)
        case let .ring(cx, cy, r, w):
            let dx = x - cx, dy = y - cy
            return abs((dx * dx + dy * dy).squareRoot() - r) - w
        case let .polygon(edges, _):
            var d = -Float.greatestFiniteMagnitude
            var i = 0
            while i < edges.count {
                d = max(d, edges[i] * x + edges[i + 1] * y - edges[i + 2])
                i += 3
            }
            return d
        }
    }

    /// A box that holds every point with distance ≤ 0 (the rasterizer widens it by the edge's blur).
    var bounds: Bounds {
        switch self {
        case let .circle(x, y, r): return Bounds(x - r, y - r, x + r, y + r)
        case let .ellipse(x, y, rx, ry, ux, uy):
            let ex = abs(ux) * rx + abs(uy) * ry, ey = abs(uy) * rx + abs(ux) * ry
            return Bounds(x - ex, y - ey, x + ex, y + ey)
        case let .box(x, y, hw, hh, ux, uy, _):
            let ex = abs(ux) * hw + abs(uy) * hh, ey = abs(uy) * hw + abs(ux) * hh
            return Bounds(x - ex, y - ey, x + ex, y + ey)
        case let .capsule(ax, ay, bx, by, ra, rb):
            let r = max(ra, rb)
            return Bounds(min(ax, bx) - r, min(ay, by) - r, max(ax, bx) + r, max(ay, by) + r)
        case let .ring(x, y, r, w): return Bounds(x - r - w, y - r - w, x + r + w, y + r + w)
        case let .polygon(_, bounds): return bounds
        }
    }

    /// A convex polygon through `points` (either winding).
    static func convex(_ points: [(Float, Float)]) -> SDF {
        let n = Float(points.count)
        let cx = points.map(\.0).reduce(0, +) / n, cy = points.map(\.1).reduce(0, +) / n
        var edges: [Float] = []
        var b = Bounds(.greatestFiniteMagnitude, .greatestFiniteMagnitude, -.greatestFiniteMagnitude, -.greatestFiniteMagnitude)
        for (i, p) in points.enumerated() {
            let q = points[(i + 1) % points.count]
            var nx = q.1 - p.1, ny = p.0 - q.0
            let len = (nx * nx + ny * ny).squareRoot()
            guard len > 0 else { continue }
            nx /= len
            ny /= len
            var c = nx * p.0 + ny * p.1
            if nx * cx + ny * cy > c { nx = -nx; ny = -ny; c = -c }  // make the normal point outward
            edges += [nx, ny, c]
            b = Bounds(min(b.minX, p.0), min(b.minY, p.1), max(b.maxX, p.0), max(b.maxY, p.1))
        }
        return .polygon(edges: edges, bounds: b)
    }
}

/// An axis-aligned box in unit coordinates.
struct Bounds: Sendable {
    var minX: Float, minY: Float, maxX: Float, maxY: Float

    init(_ minX: Float, _ minY: Float, _ maxX: Float, _ maxY: Float) {
        self.minX = minX
        self.minY = minY
        self.maxX = maxX
        self.maxY = maxY
    }

    func intersection(_ o: Bounds) -> Bounds {
        Bounds(max(minX, o.minX), max(minY, o.minY), min(maxX, o.maxX), min(maxY, o.maxY))
    }
}
