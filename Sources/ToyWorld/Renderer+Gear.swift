import Imaging

/// Things people carry and wear: a backpack (front view: tall rounded box, straps, pocket, top handle) and a
/// sneaker (side view: long and low, white sole, laces, logo on the side).
extension Painter {
    mutating func backpack(_ s: Subject) {
        let main = s.mainColor.rgb, dark = main.scaled(0.72), second = s.secondColor.rgb
        let hw = s.measure(0, 0.3...0.38), h = s.measure(1, 0.82...0.94), pocketH = h * s.measure(2, 0.36...0.48)
        let radius = s.variant == 1 ? 0.07 : hw * 0.55
        // Shoulder straps behind the body, showing at the sides.
        for side: Float in [-1, 1] {
            capsule(side * hw * 0.6, h * 0.92, side * (hw + 0.06), h * 0.25, 0.045, 0.04, dark.scaled(0.8))
        }
        ring(0, h - 0.01, 0.08, 0.02, dark)  // top handle
        let body = local { $0.box(0, h / 2, hw, h / 2, radius: radius, main) }
        fill(body, main)
        let saved = clip
        clip = body
        switch s.pattern {
        case .stripes: box(0, h * 0.64, hw, h * 0.05, second)
        case .spots:
            var rng = SplitMix64(seed: s.id.seed ^ 0xBAC)
            for _ in 0..<10 { circle(rng.uniform(-hw...hw), rng.uniform(0...h), 0.03, second) }
        case .patches: box(0, 0.06, hw, 0.08, second)
        case .plain: break
        }
        clip = saved
        if s.variant == 2 {  // top flap with two buckles
            box(0, h * 0.82, hw * 0.85, h * 0.13, radius: 0.05, second.mixed(main, 0.3))
            for side: Float in [-1, 1] { box(side * hw * 0.4, h * 0.7, 0.03, 0.035, RGB(0.15, 0.15, 0.15)) }
        }
        // Front pocket with a zip, stitching and the logo.
        let pv = 0.05 + pocketH / 2
        box(0, pv, hw * 0.78, pocketH / 2, radius: 0.07, s.pattern == .patches ? main : dark)
        capsule(-hw * 0.7, pv + pocketH / 2 - 0.03, hw * 0.7, pv + pocketH / 2 - 0.03, 0.008, RGB(0.12, 0.12, 0.12))
        box(hw * 0.45, pv + pocketH / 2 - 0.06, 0.012, 0.03, s.accessoryColor.rgb)
        stitches(from: (-hw * 0.7, pv - pocketH / 2 + 0.025), to: (hw * 0.7, pv - pocketH / 2 + 0.025), RGB(0.9, 0.9, 0.85))
        detail(s.detailShape, 0, pv - 0.01, 0.05, s.detailColor.rgb)
        if s.hasAccessory {  // a water bottle in a side pocket
            capsule(hw + 0.02, 0.12, hw + 0.02, h * 0.55, 0.05, s.accessoryColor.rgb.mixed(RGB(1, 1, 1), 0.3))
            box(hw + 0.02, h * 0.58, 0.03, 0.03, RGB(0.15, 0.15, 0.15))
            box(hw, 0.14, 0.07, 0.1, radius: 0.02, dark)
        }
    }

    mutating func sneaker(_ s: Subject) {
        let main = s.mainColor.rgb, second = s.secondColor.rgb
        let sole = s.mainColor == .white ? s.secondColor.rgb.mixed(RGB(1, 1, 1), 0.5) : RGB(0.95, 0.95, 0.93)
        let high = s.variant == 2
        let heelH = high ? s.measure(1, 0.28...0.32) : s.measure(1, 0.2...0.24)
        let toeRy = s.measure(0, 0.13...0.17)
        let quarter = local { $0.box(-0.48, 0.08 + heelH, 0.36, heelH, radius: 0.12, main) }
        ellipse(-0.16, 0.4 + (high ? 0.1 : 0), 0.1, 0.07, angle: 20, main.scaled(0.85))  // tongue
        fill(quarter, main)
        polygon([(-0.2, 0.08), (0.5, 0.08), (0.5, 0.08 + toeRy * 1.1), (-0.2, 0.38)], main)
        ellipse(0.45, 0.12, 0.4, toeRy, main)
        let saved = clip
        clip = quarter
        switch s.pattern {
        case .stripes: for i in 0..<3 { box(-0.5 + Float(i) * 0.1, 0.22, 0.025, 0.2, angle: 60, second) }
        case .patches: box(-0.78, 0.2, 0.16, 0.3, second)
        case .spots:
            var rng = SplitMix64(seed: s.id.seed ^ 0x5EA)
            for _ in 0..<8 { circle(rng.uniform(-0.8...(-0.15)), rng.uniform(0.1...0.5), 0.025, second) }
        case .plain: break
        }
        clip = saved
        ellipse(0.55, 0.12, 0.28, toeRy * 0.75, main.mixed(RGB(1, 1, 1), 0.25), alpha: 0.5)  // toe cap
        stitches(from: (0.3, 0.1 + toeRy * 1.2), to: (0.7, 0.1 + toeRy * 0.7), main.scaled(0.6))
        ellipse(-0.52, 0.08 + 2 * heelH - 0.02, 0.2, 0.045, RGB(0.12, 0.1, 0.1))  // collar opening
        box(-0.84, 0.08 + heelH * 1.6, 0.03, heelH * 0.45, radius: 0.02, second)  // heel tab
        // Laces across the throat, in the accessory colour when it has coloured laces.
        let lace = s.hasAccessory ? s.accessoryColor.rgb : RGB(0.96, 0.96, 0.94)
        for i in 0..<4 {
            let t = Float(i) / 3
            let u = -0.12 + 0.5 * t, v = 0.37 - 0.2 * t
            capsule(u - 0.04, v - 0.04, u + 0.04, v + 0.04, 0.014, lace)
        }
        box(0, 0.05, 0.86, 0.05, radius: 0.045, sole)
        capsule(-0.8, 0.03, 0.8, 0.03, 0.006, sole.scaled(0.7))  // tread line
        detail(s.detailShape, -0.35, 0.2, 0.06, s.detailColor.rgb)
    }

    /// A dashed seam from `a` to `b`: stitching that only a 256×256 picture resolves.
    mutating func stitches(from a: (Float, Float), to b: (Float, Float), _ color: RGB) {
        let n = 10
        for i in 0..<n {
            let t0 = (Float(i) + 0.15) / Float(n), t1 = (Float(i) + 0.6) / Float(n)
            capsule(a.0 + (b.0 - a.0) * t0, a.1 + (b.1 - a.1) * t0, a.0 + (b.0 - a.0) * t1, a.1 + (b.1 - a.1) * t1, 0.005, color)
        }
    }
}
