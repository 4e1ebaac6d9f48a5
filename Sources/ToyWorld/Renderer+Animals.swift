import Imaging

/// What dogs and cats share: eyes with a coloured iris, collars with a tag, and coat patterns.
extension Painter {
    /// The coat colour of a pattern: a natural second coat colour, never the main one.
    static func coatSecond(_ subject: Subject) -> RGB {
        let coats: [WorldColor] = [.white, .black, .brown, .cream, .golden, .grey].filter { $0 != subject.mainColor }
        let dark = [.black, .brown, .grey].contains(subject.mainColor)
        let preferred = coats.filter { dark ? [.white, .cream, .golden].contains($0) : [.black, .brown, .grey].contains($0) }
        return preferred[subject.secondColor.hashIndex % preferred.count].rgb
    }

    /// A round eye looking forward: white, iris in the subject's eye colour, pupil, highlight. `slit` gives a
    /// cat's vertical pupil. At 64×64 the eye is a dark dot; at 256 the iris colour shows.
    mutating func eye(_ u: Float, _ v: Float, _ r: Float, iris: RGB, slit: Bool) {
        ellipse(u, v, r, r * (slit ? 0.8 : 1), RGB(0.96, 0.96, 0.92))
        ellipse(u + r * 0.12, v, r * 0.78, r * (slit ? 0.74 : 0.78), iris)
        if slit {
            ellipse(u + r * 0.12, v, r * 0.18, r * 0.62, RGB(0.04, 0.04, 0.04))
        } else {
            circle(u + r * 0.15, v, r * 0.38, RGB(0.04, 0.04, 0.04))
        }
        circle(u + r * 0.3, v + r * 0.3, r * 0.16, RGB(1, 1, 1))
    }

    /// A collar across the neck between `a` (neck base) and `b` (head), with the subject's tag (shape and
    /// colour) hanging below it when it has one.
    mutating func collar(from a: (Float, Float), to b: (Float, Float), width: Float, subject: Subject, bell: Bool) {
        let t: Float = 0.45
        let cu = a.0 + (b.0 - a.0) * t, cv = a.1 + (b.1 - a.1) * t
        var du = -(b.1 - a.1), dv = b.0 - a.0
        let len = (du * du + dv * dv).squareRoot()
        du /= len
        dv /= len
        let color = subject.accessoryColor.rgb
        capsule(cu - du * width, cv - dv * width, cu + du * width, cv + dv * width, width * 0.28, color)
        // Stitching: a thin light line along the collar, visible only at high resolution.
        capsule(cu - du * width * 0.85, cv - dv * width * 0.85, cu + du * width * 0.85, cv + dv * width * 0.85,
                width * 0.05, color.mixed(RGB(1, 1, 1), 0.6))
        let bottom = dv > 0 ? (cu - du * width, cv - dv * width) : (cu + du * width, cv + dv * width)
        let tagR = width * 0.42
        if bell {
            circle(bottom.0, bottom.1 - tagR * 0.6, tagR * 0.8, WorldColor.golden.rgb)
            circle(bottom.0, bottom.1 - tagR * 0.9, tagR * 0.18, RGB(0.2, 0.15, 0.05))
        } else {
            ring(bottom.0, bottom.1 - tagR * 0.3, tagR * 0.25, tagR * 0.08, RGB(0.75, 0.75, 0.72))
            detail(subject.detailShape, bottom.0, bottom.1 - tagR * 1.3, tagR, subject.detailColor.rgb)
        }
    }

    /// The subject's coat pattern inside `body`, laid out in local coordinates over the box (u0…u1, v0…v1);
    /// drawn from the subject's seed so every photo of it shows the same spots.
    mutating func coatPattern(_ subject: Subject, inside body: SDF?, u0: Float, u1: Float, v0: Float, v1: Float,
                       upright: Bool = false) {
        guard subject.pattern != .plain, let body else { return }
        var rng = SplitMix64(seed: subject.id.seed ^ 0xC0A7)
        let color = subject.id.worldClass.isAnimal ? Painter.coatSecond(subject) : subject.secondColor.rgb
        let saved = clip
        clip = body
        let w = u1 - u0, h = v1 - v0
        switch subject.pattern {
        case .plain: break
        case .spots:
            for _ in 0..<9 {
                circle(u0 + w * rng.unit(), v0 + h * rng.unit(), min(w, h) * rng.uniform(0.07...0.14), color)
            }
        case .stripes:
            // Bands across the body's long axis, as a tabby's run across its back.
            let n = 5
            for i in 0..<n {
                let t = (Float(i) + 0.5) / Float(n)
                if upright {
                    box(u0 + w / 2, v0 + h * t, w * 0.7, h * 0.03, angle: -8, color)
                } else {
                    box(u0 + w * t, v0 + h * 0.6, w * 0.035, h * 0.7, angle: 8, color)
                }
            }
        case .patches:
            for _ in 0..<2 {
                ellipse(u0 + w * rng.unit(), v0 + h * rng.uniform(0.3...1), w * rng.uniform(0.18...0.3),
                        h * rng.uniform(0.35...0.6), angle: rng.uniform(-30...30), color)
            }
        }
        clip = saved
    }
}

extension WorldColor {
    /// Position in `allCases`.
    var hashIndex: Int { Self.allCases.firstIndex(of: self)! }
}
