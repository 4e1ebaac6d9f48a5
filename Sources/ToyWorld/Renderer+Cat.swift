/// A cat, facing right, standing on v = 0: slim body, thin legs, a small round head with large pointed ears
/// and no snout, whiskers, and a long raised tail; sitting cats are upright with the tail curled on the ground.
extension Painter {
    mutating func cat(_ s: Subject, sitting: Bool, gait: Float) {
        let step = gait * 0.08
        let coat = s.mainColor.rgb, far = coat.scaled(0.78)
        let legLen = s.measure(1, 0.3...0.36), bodyRx = s.measure(0, 0.32...0.4), bodyRy = s.measure(4, 0.11...0.14)
        let headR = s.measure(2, 0.13...0.155)
        let bodyV = legLen + bodyRy * 0.4
        let neckBase: (Float, Float), head: (Float, Float)
        if sitting {
            neckBase = (0.06, 0.56)
            head = (0.1, 0.56 + headR + 0.1)
            // Tail curled round the front on the ground.
            capsule(-0.2, 0.08, 0.05, 0.03, 0.035, 0.03, coat)
            capsule(0.05, 0.03, 0.3, 0.05, 0.03, 0.028, coat)
            let body = local { $0.ellipse(-0.02, 0.3, 0.2, 0.3, coat) }
            fill(body, coat)
            ellipse(-0.1, 0.12, 0.18, 0.13, coat)  // haunch
            coatPattern(s, inside: body, u0: -0.2, u1: 0.2, v0: 0, v1: 0.6, upright: true)
            capsule(0.1, 0.4, 0.12, 0.03, 0.035, 0.035, coat)
            capsule(0.02, 0.38, 0.04, 0.03, 0.035, 0.035, far)
            ellipse(0.13, 0.025, 0.05, 0.025, coat)
        } else {
            neckBase = (bodyRx * 0.75, bodyV + bodyRy * 0.3)
            head = (bodyRx + headR * 0.5, bodyV + 0.26)
            // A long tail raised in an S: two segments.
            let base = (-bodyRx * 0.92, bodyV + bodyRy * 0.3)
            let mid = (-bodyRx - 0.12, bodyV + 0.28), tip = (-bodyRx - 0.04, bodyV + 0.5)
            capsule(base.0, base.1, mid.0, mid.1, 0.032, 0.03, coat)
            capsule(mid.0, mid.1, tip.0, tip.1, 0.03, 0.026, coat)
            for (u, swing) in [(bodyRx * 0.7 + 0.035, -step), (-bodyRx * 0.7 + 0.035, step)] {
                capsule(u, bodyV, u + 0.01 + swing, 0.03, 0.04, 0.034, far)
            }
            let body = local { $0.ellipse(0, bodyV, bodyRx, bodyRy, angle: 4, coat) }
            fill(body, coat)
            coatPattern(s, inside: body, u0: -bodyRx, u1: bodyRx, v0: bodyV - bodyRy, v1: bodyV + bodyRy)
            for (u, swing) in [(bodyRx * 0.7 - 0.02, step), (-bodyRx * 0.7 - 0.02, -step)] {
                capsule(u, bodyV, u + 0.01 + swing, 0.03, 0.042, 0.036, coat)
                ellipse(u + 0.03 + swing, 0.022, 0.05, 0.024, coat)
            }
        }
        capsule(neckBase.0, neckBase.1, head.0, head.1, headR * 0.55, headR * 0.5, coat)
        if s.hasAccessory {
            collar(from: neckBase, to: head, width: headR * 0.62, subject: s, bell: s.variant == 0)
        }
        catHead(s, at: head, r: headR)
    }

    private mutating func catHead(_ s: Subject, at h: (Float, Float), r: Float) {
        let coat = s.mainColor.rgb
        let inner = RGB(0.92, 0.6, 0.65)
        // Large pointed ears: the cat's mark at 64×64.
        for du: Float in [-0.5, 0.22] {
            polygon([(h.0 + du * r - r * 0.42, h.1 + r * 0.55), (h.0 + du * r + r * 0.42, h.1 + r * 0.6),
                     (h.0 + du * r + r * 0.02, h.1 + r * 1.55)], du < 0 ? coat.scaled(0.85) : coat)
            polygon([(h.0 + du * r - r * 0.22, h.1 + r * 0.68), (h.0 + du * r + r * 0.24, h.1 + r * 0.7),
                     (h.0 + du * r + r * 0.02, h.1 + r * 1.3)], inner)
        }
        ellipse(h.0, h.1, r * 1.05, r * 0.95, coat)
        if s.pattern == .stripes {
            let saved = clip
            clip = local { $0.ellipse(h.0, h.1, r * 1.05, r * 0.95, coat) }
            for du: Float in [-0.35, 0, 0.35] { box(h.0 + du * r, h.1 + r * 0.8, r * 0.07, r * 0.35, Painter.coatSecond(s)) }
            clip = saved
        }
        // Muzzle, nose and whiskers at the front of the face.
        let mu = h.0 + r * 0.62, mv = h.1 - r * 0.35
        circle(mu, mv, r * 0.26, coat.mixed(RGB(1, 1, 1), 0.35))
        polygon([(mu - r * 0.1, mv + r * 0.2), (mu + r * 0.14, mv + r * 0.2), (mu + r * 0.02, mv + r * 0.06)], inner.scaled(0.9))
        for dv: Float in [-0.08, 0.06] {
            capsule(mu, mv + dv * r, mu + r * 0.75, mv + dv * r * 2.5, r * 0.018, RGB(0.93, 0.93, 0.9))
        }
        eye(h.0 + r * 0.32, h.1 + r * 0.15, r * 0.26, iris: s.eyeColor.mixed(RGB(0.7, 0.8, 0.1), 0.3), slit: true)
    }
}
