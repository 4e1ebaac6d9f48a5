import Imaging

/// Backgrounds of built and dark places: a city street, a kitchen, the night, a forest.
extension Painter {
    mutating func street(_ rng: inout SplitMix64) {
        let h = rng.uniform(0.5...0.58)
        band(0, h, RGB(0.62, 0.7, 0.8), RGB(0.82, 0.85, 0.88))
        band(h, h + 0.07, RGB(0.7, 0.7, 0.7), RGB(0.62, 0.62, 0.63))  // sidewalk
        band(h + 0.07, 1, RGB(0.32, 0.32, 0.34), RGB(0.24, 0.24, 0.26))  // road
        var x: Float = rng.uniform(-0.1...0)
        while x < 1 {  // buildings with windows
            let w = rng.uniform(0.12...0.22), top = rng.uniform(0.08...h - 0.2)
            let wall = rng.pick([RGB(0.55, 0.4, 0.35), RGB(0.6, 0.6, 0.62), RGB(0.75, 0.68, 0.55), RGB(0.42, 0.45, 0.52)])
            box(x + w / 2, (top + h) / 2, w / 2, (h - top) / 2, wall)
            let lit = RGB(0.95, 0.88, 0.55), glass = RGB(0.35, 0.45, 0.6)
            var wy = top + 0.03
            while wy < h - 0.05 {
                var wx = x + 0.025
                while wx < x + w - 0.02 {
                    box(wx + 0.01, wy + 0.014, 0.01, 0.014, rng.chance(0.3) ? lit : glass)
                    wx += 0.035
                }
                wy += 0.05
            }
            x += w + 0.005
        }
        box(0.5, h + 0.07, 0.6, 0.006, RGB(0.5, 0.5, 0.5))  // kerb
        let lane = h + rng.uniform(0.2...0.3)
        var dash: Float = rng.uniform(-0.1...0)
        while dash < 1 {
            box(dash, lane, 0.05, 0.007, RGB(0.95, 0.85, 0.3))
            dash += 0.18
        }
    }

    mutating func kitchen(_ rng: inout SplitMix64) {
        let h = rng.uniform(0.55...0.63)
        let wall = rng.pick([RGB(0.93, 0.9, 0.8), RGB(0.8, 0.88, 0.9), RGB(0.92, 0.85, 0.85)])
        band(0, h, wall, wall.scaled(0.92))
        band(h, h + 0.03, RGB(0.55, 0.38, 0.22), RGB(0.5, 0.34, 0.2))  // counter edge
        band(h + 0.03, 1, RGB(0.78, 0.6, 0.42), RGB(0.66, 0.5, 0.34))  // counter top
        let cabinet = rng.pick([RGB(0.35, 0.5, 0.6), RGB(0.9, 0.9, 0.88), RGB(0.55, 0.4, 0.28)])
        box(0.5, 0.08, 0.6, 0.12, cabinet)  // upper cabinets
        var cx: Float = 0.1
        while cx < 1 {
            box(cx, 0.09, 0.12, 0.095, radius: 0.01, cabinet.scaled(0.9))
            circle(cx + 0.09, 0.16, 0.01, RGB(0.8, 0.75, 0.5))
            cx += 0.26
        }
        // Tiled backsplash: grout lines.
        let tile = rng.uniform(0.05...0.07), grout = wall.scaled(0.78)
        var ty: Float = 0.2
        while ty < h { box(0.5, ty, 0.6, 0.003, grout); ty += tile }
        var tx: Float = 0
        while tx < 1 { box(tx, (0.2 + h) / 2, 0.003, (h - 0.2) / 2, grout); tx += tile }
        if rng.chance(0.6) {  // a window
            let wx = rng.uniform(0.15...0.85)
            box(wx, 0.38, 0.13, 0.12, RGB(0.95, 0.95, 0.95))
            box(wx, 0.38, 0.11, 0.1, RGB(0.55, 0.78, 0.95))
            box(wx, 0.38, 0.005, 0.1, RGB(0.95, 0.95, 0.95))
        }
        if rng.chance(0.7) {  // a jar on the counter, off to one side
            let jx = rng.pick([rng.uniform(0.05...0.15), rng.uniform(0.85...0.95)])
            box(jx, h - 0.04, 0.035, 0.05, radius: 0.01, RGB(0.8, 0.85, 0.8))
            box(jx, h - 0.1, 0.038, 0.01, RGB(0.6, 0.35, 0.2))
        }
    }

    mutating func night(_ rng: inout SplitMix64) {
        let h = rng.uniform(0.5...0.6)
        band(0, h, RGB(0.02, 0.03, 0.1), RGB(0.1, 0.12, 0.28))
        band(h, 1, RGB(0.08, 0.12, 0.1), RGB(0.03, 0.05, 0.04))
        for _ in 0..<30 { circle(rng.uniform(0...1), rng.uniform(0...h - 0.05), rng.uniform(0.003...0.007), RGB(1, 1, 0.9)) }
        let mx = rng.uniform(0.12...0.88), my = rng.uniform(0.1...0.22)
        circle(mx, my, 0.07, RGB(0.98, 0.96, 0.8), soft: 0.04, alpha: 0.25)  // glow
        circle(mx, my, 0.055, RGB(0.98, 0.96, 0.82))
        if rng.coin() { circle(mx + 0.025, my - 0.015, 0.05, RGB(0.03, 0.04, 0.12)) }  // crescent
        for _ in 0..<2 { ellipse(rng.uniform(0...1), h, rng.uniform(0.2...0.35), 0.06, RGB(0.04, 0.07, 0.06)) }  // hills
    }

    mutating func forest(_ rng: inout SplitMix64) {
        let h = rng.uniform(0.5...0.6)
        band(0, h, RGB(0.6, 0.75, 0.62), RGB(0.78, 0.86, 0.72))
        band(h, 1, RGB(0.3, 0.42, 0.2), RGB(0.2, 0.3, 0.13))
        for layer in 0..<2 {
            let shade: Float = layer == 0 ? 0.7 : 1
            var x: Float = rng.uniform(-0.05...0.05)
            while x < 1.05 {
                let w = rng.uniform(0.02...0.04) * (layer == 0 ? 0.7 : 1.2)
                let base = h + (layer == 0 ? 0.01 : rng.uniform(0.03...0.08))
                box(x, base / 2, w, base / 2, RGB(0.36, 0.24, 0.14).scaled(shade))
                ellipse(x, rng.uniform(0.04...0.16), rng.uniform(0.1...0.16), rng.uniform(0.08...0.14),
                        RGB(0.14, 0.36, 0.16).scaled(shade))
                x += rng.uniform(0.12...0.22)
            }
        }
        for _ in 0..<8 {  // ferns and leaves on the ground
            let x = rng.uniform(0...1), y = rng.uniform(h + 0.04...1)
            ellipse(x, y, 0.03, 0.01, angle: rng.uniform(-30...30), RGB(0.16, 0.36, 0.12))
        }
    }
}
