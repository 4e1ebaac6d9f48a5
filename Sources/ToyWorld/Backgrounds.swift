import Imaging

/// The contexts' backgrounds, in picture coordinates: sky and ground bands, a horizon, and scene objects
/// placed from the scene's background seed. `front` holds what falls in front of the subject (snowflakes).
extension Painter {
    mutating func background(_ context: WorldContext, seed: UInt64, front: inout Painter) {
        var rng = SplitMix64(seed: seed)
        switch context {
        case .beach: beach(&rng)
        case .snow: snow(&rng, front: &front)
        case .grass: grass(&rng)
        case .street: street(&rng)
        case .kitchen: kitchen(&rng)
        case .night: night(&rng)
        case .forest: forest(&rng)
        case .desert: desert(&rng)
        }
    }

    private mutating func beach(_ rng: inout SplitMix64) {
        let h = rng.uniform(0.42...0.52), shore = h + rng.uniform(0.1...0.16)
        band(0, h, RGB(0.36, 0.62, 0.92), RGB(0.78, 0.9, 1.0))
        band(h, shore, RGB(0.08, 0.38, 0.68), RGB(0.18, 0.62, 0.78))
        band(shore, 1, RGB(0.95, 0.86, 0.64), RGB(0.86, 0.74, 0.5))
        if rng.chance(0.6) { circle(rng.uniform(0.1...0.9), rng.uniform(0.08...0.2), 0.06, RGB(1, 0.97, 0.8)) }
        for _ in 0..<4 {  // wave crests on the sea
            let x = rng.uniform(0...1), y = rng.uniform(h + 0.02...shore - 0.02)
            capsule(x - 0.08, y, x + 0.08, y, 0.006, RGB(0.9, 0.96, 1), alpha: 0.9)
        }
        // Surf along the shore.
        var x: Float = -0.02
        while x < 1.05 {
            ellipse(x, shore, rng.uniform(0.04...0.07), 0.014, RGB(0.97, 0.98, 1))
            x += rng.uniform(0.05...0.09)
        }
        for _ in 0..<3 {  // shells and pebbles
            ellipse(rng.uniform(0...1), rng.uniform(shore + 0.05...1), 0.012, 0.008, RGB(0.98, 0.92, 0.86))
        }
    }

    private mutating func snow(_ rng: inout SplitMix64, front: inout Painter) {
        let h = rng.uniform(0.45...0.55)
        band(0, h, RGB(0.66, 0.74, 0.86), RGB(0.88, 0.91, 0.96))
        band(h, 1, RGB(0.95, 0.96, 1.0), RGB(0.84, 0.88, 0.95))
        for _ in 0..<3 {  // snowy mountains behind
            let x = rng.uniform(0...1), w = rng.uniform(0.22...0.36), top = h - rng.uniform(0.12...0.22)
            polygon([(x - w, h + 0.01), (x + w, h + 0.01), (x, top)], RGB(0.56, 0.62, 0.74))
            polygon([(x - w * 0.3, top + (h - top) * 0.3), (x + w * 0.3, top + (h - top) * 0.3), (x, top)], RGB(0.98, 0.98, 1))
        }
        for _ in 0..<3 {  // drifts
            ellipse(rng.uniform(0...1), rng.uniform(h + 0.05...0.95), rng.uniform(0.12...0.2), 0.03, RGB(1, 1, 1))
        }
        for _ in 0..<40 {  // falling snow, in front of everything
            front.circle(rng.uniform(0...1), rng.uniform(0...1), rng.uniform(0.005...0.011), RGB(1, 1, 1), alpha: 0.9)
        }
    }

    private mutating func grass(_ rng: inout SplitMix64) {
        let h = rng.uniform(0.45...0.56)
        band(0, h, RGB(0.35, 0.6, 0.95), RGB(0.7, 0.85, 1.0))
        band(h, 1, RGB(0.42, 0.72, 0.3), RGB(0.22, 0.52, 0.16))
        for _ in 0..<rng.below(3) + 1 {  // clouds
            let x = rng.uniform(0...1), y = rng.uniform(0.08...h - 0.15)
            for k in 0..<3 { circle(x + Float(k - 1) * 0.05, y + (k == 1 ? -0.02 : 0), 0.045, RGB(1, 1, 1)) }
        }
        for _ in 0..<2 {  // far bushes on the horizon
            ellipse(rng.uniform(0...1), h, rng.uniform(0.08...0.15), 0.05, RGB(0.2, 0.45, 0.18))
        }
        for _ in 0..<14 {  // tufts and flowers
            let x = rng.uniform(0...1), y = rng.uniform(h + 0.04...1)
            polygon([(x - 0.012, y), (x + 0.012, y), (x + 0.004, y - 0.04)], RGB(0.15, 0.42, 0.1))
            if rng.chance(0.4) { circle(x + 0.02, y - 0.01, 0.008, rng.pick([RGB(1, 1, 1), RGB(1, 0.9, 0.2), RGB(0.9, 0.3, 0.5)])) }
        }
    }

    private mutating func desert(_ rng: inout SplitMix64) {
        let h = rng.uniform(0.46...0.56)
        band(0, h, RGB(0.98, 0.72, 0.42), RGB(1.0, 0.9, 0.7))
        band(h, 1, RGB(0.93, 0.74, 0.46), RGB(0.84, 0.58, 0.32))
        circle(rng.uniform(0.15...0.85), rng.uniform(0.1...0.25), 0.08, RGB(1, 0.95, 0.7))
        for _ in 0..<3 {  // dunes on the horizon
            ellipse(rng.uniform(0...1), h + 0.02, rng.uniform(0.2...0.35), rng.uniform(0.06...0.1), RGB(0.88, 0.62, 0.34))
        }
        for _ in 0..<2 {  // saguaros
            let x = rng.pick([rng.uniform(0.02...0.25), rng.uniform(0.75...0.98)]), base = rng.uniform(h + 0.03...h + 0.12)
            let tall = rng.uniform(0.18...0.28), g = RGB(0.2, 0.5, 0.25)
            capsule(x, base, x, base - tall, 0.025, g)
            capsule(x - 0.05, base - tall * 0.45, x - 0.05, base - tall * 0.8, 0.016, g)
            capsule(x - 0.05, base - tall * 0.45, x, base - tall * 0.45, 0.016, g)
            capsule(x + 0.05, base - tall * 0.35, x + 0.05, base - tall * 0.65, 0.016, g)
            capsule(x + 0.05, base - tall * 0.35, x, base - tall * 0.35, 0.016, g)
        }
        for _ in 0..<5 { circle(rng.uniform(0...1), rng.uniform(h + 0.08...1), 0.008, RGB(0.6, 0.45, 0.3)) }  // stones
    }
}
