import Imaging

/// Vessels: a teapot (wide round body, spout to the front, handle behind, lid with a knob) and a vase (tall,
/// narrow-necked, flared lip, sometimes flowers), each with a painted motif.
extension Painter {
    mutating func teapot(_ s: Subject) {
        let main = s.mainColor.rgb, second = s.secondColor.rgb
        let rx = s.measure(0, 0.36...0.44), ry = s.measure(1, 0.28...0.34)
        let cy = 0.06 + ry
        ring(-rx - 0.02, cy + 0.04, ry * 0.5, 0.035, main.scaled(0.85))  // handle
        let spoutTip = (rx + s.measure(2, 0.2...0.28), cy + ry * 0.9)
        capsule(rx * 0.7, cy - ry * 0.3, spoutTip.0, spoutTip.1, 0.08, 0.03, main.scaled(0.92))
        ellipse(spoutTip.0 + 0.01, spoutTip.1 + 0.01, 0.045, 0.022, angle: 30, main.scaled(0.8))
        box(0, 0.04, rx * 0.55, 0.04, radius: 0.02, main.scaled(0.75))  // foot
        let body = local { $0.ellipse(0, cy, rx, ry, main) }
        fill(body, main)
        motif(s, inside: body, cx: 0, cy: cy, rx: rx, ry: ry, band: second)
        // Shine.
        ellipse(-rx * 0.45, cy + ry * 0.45, rx * 0.18, ry * 0.1, angle: 30, RGB(1, 1, 1), alpha: 0.45)
        // Lid and knob.
        ellipse(0, cy + ry * 0.92, rx * 0.5, 0.07, main.scaled(0.9))
        box(0, cy + ry * 0.92 - 0.01, rx * 0.52, 0.018, radius: 0.01, main.scaled(0.7))
        circle(0, cy + ry + 0.08, 0.045, s.hasAccessory ? s.accessoryColor.rgb : main.scaled(0.8))
    }

    mutating func vase(_ s: Subject) {
        let main = s.mainColor.rgb, second = s.secondColor.rgb
        let rx = s.measure(0, 0.24...0.32), neck = s.measure(2, 0.07...0.1)
        let flowers = s.hasAccessory && s.proportions[5] > 0.5
        let top: Float = flowers ? 0.78 : 0.95
        let (cy, ry): (Float, Float) = switch s.variant {
        case 0: (0.33, s.measure(1, 0.28...0.32))  // amphora
        case 1: (0.3, s.measure(1, 0.25...0.3))  // bottle, long neck
        default: (0.4, s.measure(1, 0.34...0.4))  // tall egg
        }
        if flowers {
            var rng = SplitMix64(seed: s.id.seed ^ 0xF10)
            for i in 0..<3 {
                let u = (Float(i) - 1) * 0.12 + rng.uniform(-0.03...0.03), v = top + rng.uniform(0.14...0.24)
                capsule(0, top - 0.05, u, v, 0.012, RGB(0.2, 0.5, 0.2))
                for k in 0..<5 {
                    let a = WorldMath.radians(Float(k) * 72)
                    circle(u + 0.04 * WorldMath.cos(a), v + 0.04 * WorldMath.sin(a), 0.03, s.accessoryColor.rgb)
                }
                circle(u, v, 0.022, WorldColor.yellow.rgb)
            }
        }
        box(0, 0.025, rx * 0.5, 0.025, radius: 0.01, main.scaled(0.75))  // foot
        box(0, (cy + top) / 2 + 0.02, neck, (top - cy) / 2, main)  // neck
        ellipse(0, cy + ry * 0.85, rx * 0.62, ry * 0.35, main)  // shoulder
        ellipse(0, top - 0.01, neck * 1.7, 0.035, main.scaled(0.9))  // lip
        ellipse(0, top - 0.005, neck * 1.2, 0.018, RGB(0.08, 0.07, 0.07))  // the opening
        let body = local { $0.ellipse(0, cy, rx, ry, main) }
        fill(body, main)
        motif(s, inside: body, cx: 0, cy: cy, rx: rx, ry: ry, band: second)
        ellipse(-rx * 0.5, cy + ry * 0.3, rx * 0.12, ry * 0.22, RGB(1, 1, 1), alpha: 0.35)
    }

    /// A vessel's decoration: its pattern as bands, dots or a glaze patch, then the painted detail shape with
    /// a ring of small dots round it (the fine detail of vessels).
    private mutating func motif(_ s: Subject, inside body: SDF?, cx: Float, cy: Float, rx: Float, ry: Float, band: RGB) {
        let saved = clip
        clip = body
        switch s.pattern {
        case .stripes:
            box(cx, cy + ry * 0.45, rx, ry * 0.08, band)
            box(cx, cy - ry * 0.45, rx, ry * 0.08, band)
        case .spots:
            var rng = SplitMix64(seed: s.id.seed ^ 0xD07)
            for _ in 0..<10 { circle(cx + rng.uniform(-rx...rx), cy + rng.uniform(-ry...ry), 0.025, band) }
        case .patches: ellipse(cx, cy - ry, rx, ry * 0.45, band)
        case .plain: break
        }
        clip = saved
        let r: Float = 0.065
        detail(s.detailShape, cx + rx * 0.2, cy, r, s.detailColor.rgb)
        for k in 0..<8 {
            let a = WorldMath.radians(Float(k) * 45)
            circle(cx + rx * 0.2 + r * 1.6 * WorldMath.cos(a), cy + r * 1.6 * WorldMath.sin(a), 0.008, s.detailColor.rgb)
        }
    }
}
