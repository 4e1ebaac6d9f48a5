/// Builds a display list in a subject's own coordinates: u to the front (the way it faces), v up from the
/// ground, one unit = the subject's nominal height. Mirroring for facing, tilt, scale and the scene's light
/// are applied here, so each class is drawn once, facing right, standing on v = 0.
struct Painter {
    var paints: [Paint] = []
    /// Full-width vertical gradients (sky, sea, ground), drawn under every paint in order.
    var bands: [Band] = []
    /// Where local (0, 0) lands in the picture, and how large one unit is there.
    var originX: Float = 0, originY: Float = 0, unit: Float = 1
    /// −1 mirrors the subject (facing left).
    var flip: Float = 1
    /// −1 for a subject's frame (v up); +1 for picture coordinates (y down), where backgrounds are drawn.
    var ySign: Float = 1
    /// cos and sin of the tilt.
    var tc: Float = 1, ts: Float = 0
    /// Multiplies every colour painted through the local helpers; nil paints colours as given (backgrounds).
    var light: RGB? = nil
    /// Applied to every paint while set (patterns inside a body).
    var clip: SDF? = nil

    /// A painter in picture coordinates (unit = the picture, no mirroring): for backgrounds.
    static var picture: Painter { Painter() }

    /// A painter for `scene`'s subject.
    init(subjectOf scene: Scene) {
        originX = scene.centerX
        originY = scene.groundY
        unit = scene.scale
        flip = scene.facing
        ySign = -1
        let t = WorldMath.radians(scene.tilt)
        tc = WorldMath.cos(t)
        ts = WorldMath.sin(t)
        light = scene.light
    }

    init() {}

    /// A local point in picture coordinates.
    func point(_ u: Float, _ v: Float) -> (Float, Float) {
        let f = u * flip
        return (originX + unit * (f * tc - v * ts), originY + ySign * unit * (f * ts + v * tc))
    }

    /// A local direction at `degrees` (counter-clockwise from the front) as a picture unit vector.
    func axis(_ degrees: Float) -> (Float, Float) {
        let a = WorldMath.radians(degrees)
        let vx = flip * WorldMath.cos(a), vy = WorldMath.sin(a)
        return (vx * tc - vy * ts, ySign * (vx * ts + vy * tc))
    }

    /// A full-width band from `top` to `bottom` (picture y) shading from `from` to `to`.
    mutating func band(_ top: Float, _ bottom: Float, _ from: RGB, _ to: RGB) {
        bands.append(Band(top: top, bottom: bottom, from: from, to: to))
    }

    mutating func add(_ shape: SDF, _ color: RGB, alpha: Float = 1, soft: Float = 0) {
        paints.append(Paint(shape: shape, color: light.map { color.lit($0) } ?? color, alpha: alpha, soft: soft * unit, clip: clip))
    }

    /// Paints a shape built with `local` (already in picture coordinates).
    mutating func fill(_ shape: SDF?, _ color: RGB, alpha: Float = 1) {
        if let shape { add(shape, color, alpha: alpha) }
    }

    mutating func circle(_ u: Float, _ v: Float, _ r: Float, _ color: RGB, soft: Float = 0, alpha: Float = 1) {
        let (x, y) = point(u, v)
        add(.circle(x: x, y: y, r: r * unit), color, alpha: alpha, soft: soft)
    }

    mutating func ellipse(_ u: Float, _ v: Float, _ rx: Float, _ ry: Float, angle: Float = 0, _ color: RGB,
                          alpha: Float = 1, soft: Float = 0) {
        let (x, y) = point(u, v), (ux, uy) = axis(angle)
        add(.ellipse(x: x, y: y, rx: rx * unit, ry: ry * unit, ux: ux, uy: uy), color, alpha: alpha, soft: soft)
    }

    mutating func box(_ u: Float, _ v: Float, _ hw: Float, _ hh: Float, angle: Float = 0, radius: Float = 0,
                      _ color: RGB, alpha: Float = 1) {
        let (x, y) = point(u, v), (ux, uy) = axis(angle)
        add(.box(x: x, y: y, hw: hw * unit, hh: hh * unit, ux: ux, uy: uy, radius: min(radius, hw, hh) * unit), color, alpha: alpha)
    }

    mutating func capsule(_ u1: Float, _ v1: Float, _ u2: Float, _ v2: Float, _ r1: Float, _ r2: Float,
                          _ color: RGB, alpha: Float = 1) {
        let (ax, ay) = point(u1, v1), (bx, by) = point(u2, v2)
        add(.capsule(ax: ax, ay: ay, bx: bx, by: by, ra: r1 * unit, rb: r2 * unit), color, alpha: alpha)
    }

    mutating func capsule(_ u1: Float, _ v1: Float, _ u2: Float, _ v2: Float, _ r: Float, _ color: RGB, alpha: Float = 1) {
        capsule(u1, v1, u2, v2, r, r, color, alpha: alpha)
    }

    mutating func ring(_ u: Float, _ v: Float, _ r: Float, _ halfWidth: Float, _ color: RGB) {
        let (x, y) = point(u, v)
        add(.ring(x: x, y: y, r: r * unit, halfWidth: halfWidth * unit), color)
    }

    mutating func polygon(_ points: [(Float, Float)], _ color: RGB, alpha: Float = 1) {
        add(.convex(points.map { point($0.0, $0.1) }), color, alpha: alpha)
    }

    /// The first shape `build` paints, in picture coordinates and without painting it: a body to fill and then
    /// to clip its pattern to.
    func local(_ build: (inout Painter) -> Void) -> SDF? {
        var sub = self
        sub.paints = []
        sub.clip = nil
        build(&sub)
        return sub.paints.first?.shape
    }

    /// A small detail shape (tag, logo, motif) of radius `r` centred at (u, v).
    mutating func detail(_ shape: DetailShape, _ u: Float, _ v: Float, _ r: Float, _ color: RGB) {
        switch shape {
        case .circle: circle(u, v, r, color)
        case .square: box(u, v, r * 0.85, r * 0.85, radius: r * 0.15, color)
        case .diamond: box(u, v, r * 0.75, r * 0.75, angle: 45, color)
        case .star:
            // Two triangles make a six-pointed star: convex pieces, so the SDF stays exact inside.
            polygon([(u, v + r), (u - 0.866 * r, v - 0.5 * r), (u + 0.866 * r, v - 0.5 * r)], color)
            polygon([(u, v - r), (u - 0.866 * r, v + 0.5 * r), (u + 0.866 * r, v + 0.5 * r)], color)
        case .heart:
            circle(u - 0.42 * r, v + 0.25 * r, 0.5 * r, color)
            circle(u + 0.42 * r, v + 0.25 * r, 0.5 * r, color)
            polygon([(u - 0.88 * r, v + 0.1 * r), (u + 0.88 * r, v + 0.1 * r), (u, v - r)], color)
        case .bone:
            capsule(u - 0.6 * r, v, u + 0.6 * r, v, 0.22 * r, color)
            for (du, dv) in [(-0.7, 0.25), (-0.7, -0.25), (0.7, 0.25), (0.7, -0.25)] as [(Float, Float)] {
                circle(u + du * r, v + dv * r, 0.28 * r, color)
            }
        }
    }
}

/// A full-width vertical gradient of a background.
struct Band: Sendable {
    var top: Float, bottom: Float, from: RGB, to: RGB
}
