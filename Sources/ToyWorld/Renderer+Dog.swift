/// A dog, facing right, standing on v = 0: long body, four sturdy legs, a protruding snout, floppy or pricked
/// ears, a tail up or down; sitting dogs are upright with the haunch on the ground.
extension Painter {
    mutating func dog(_ s: Subject, sitting: Bool, gait: Float) {
        let step = gait * 0.09
        let coat = s.mainColor.rgb, far = coat.scaled(0.78)
        let legLen = s.measure(1, 0.3...0.4), bodyRx = s.measure(0, 0.34...0.44), bodyRy = s.measure(4, 0.13...0.18)
        let headR = s.measure(2, 0.14...0.18), snout = s.measure(3, 0.09...0.14)
        let bodyV = legLen + bodyRy * 0.45
        let neckBase: (Float, Float), head: (Float, Float)
        var body: SDF?
        if sitting {
            // Haunch on the ground, chest raised, front legs straight.
            neckBase = (0.08, 0.55)
            head = (0.2, 0.55 + headR + 0.12)
            capsule(-0.22, 0.12, -0.5, 0.05, 0.045, 0.03, s.pattern == .plain ? coat : far)
            capsule(0.06, 0.42, 0.09, 0.035, 0.05, 0.05, far)
            body = local { $0.ellipse(0, 0.36, bodyRx * 0.62, bodyRy * 1.35, angle: 62, coat) }
            ellipse(-0.1, 0.2, 0.22, 0.19, coat)
            fill(body, coat)
            ellipse(-0.02, 0.04, 0.12, 0.04, far)
            capsule(0.16, 0.42, 0.19, 0.035, 0.055, 0.055, coat)
            ellipse(0.23, 0.035, 0.07, 0.035, coat)
            coatPattern(s, inside: body, u0: -0.25, u1: 0.25, v0: 0.05, v1: 0.65, upright: true)
        } else {
            neckBase = (bodyRx * 0.72, bodyV + bodyRy * 0.3)
            head = (bodyRx + headR * 0.55, bodyV + 0.3)
            let tailBase = (-bodyRx * 0.9, bodyV + bodyRy * 0.4)
            let tailUp = s.proportions[5] > 0.4
            let tip = tailUp ? (-bodyRx - 0.2, bodyV + 0.3) : (-bodyRx - 0.14, bodyV - 0.22)
            capsule(tailBase.0, tailBase.1, tip.0, tip.1, 0.045, 0.022, coat)
            // Far legs swing opposite to the near ones when walking.
            for (u, swing) in [(bodyRx * 0.68 + 0.04, -step), (-bodyRx * 0.72 + 0.04, step)] {
                capsule(u, bodyV, u + 0.02 + swing, 0.04, 0.055, 0.048, far)
                ellipse(u + 0.05 + swing, 0.03, 0.065, 0.03, far)
            }
            body = local { $0.ellipse(0, bodyV, bodyRx, bodyRy, coat) }
            fill(body, coat)
            coatPattern(s, inside: body, u0: -bodyRx, u1: bodyRx, v0: bodyV - bodyRy, v1: bodyV + bodyRy)
            for (u, swing) in [(bodyRx * 0.68 - 0.02, step), (-bodyRx * 0.72 - 0.02, -step)] {  // near legs
                capsule(u, bodyV, u + 0.015 + swing, 0.04, 0.06, 0.05, coat)
                ellipse(u + 0.045 + swing, 0.03, 0.07, 0.032, coat)
            }
            // Belly shade for volume.
            ellipse(0, bodyV - bodyRy * 0.7, bodyRx * 0.8, bodyRy * 0.3, coat.scaled(0.85), alpha: 0.5)
        }
        capsule(neckBase.0, neckBase.1, head.0, head.1, headR * 0.62, headR * 0.55, coat)
        if s.hasAccessory {
            collar(from: neckBase, to: head, width: headR * 0.7, subject: s, bell: false)
        }
        dogHead(s, at: head, r: headR, snout: snout)
    }

    private mutating func dogHead(_ s: Subject, at h: (Float, Float), r: Float, snout: Float) {
        let coat = s.mainColor.rgb, ear = s.pattern == .plain ? coat.scaled(0.72) : Painter.coatSecond(s)
        if s.variant == 1 {  // pricked ears behind the head
            polygon([(h.0 - r * 0.75, h.1 + r * 0.35), (h.0 - r * 0.05, h.1 + r * 0.55), (h.0 - r * 0.55, h.1 + r * 1.45)], ear.scaled(0.9))
        }
        circle(h.0, h.1, r, coat)
        ellipse(h.0 + r * 0.75 + snout * 0.4, h.1 - r * 0.35, snout + r * 0.2, r * 0.45, coat)
        ellipse(h.0 + r * 0.7 + snout * 0.4, h.1 - r * 0.62, snout, r * 0.2, coat.scaled(0.88))  // jaw
        circle(h.0 + r * 0.78 + snout * 1.35, h.1 - r * 0.22, r * 0.17, RGB(0.06, 0.05, 0.05))  // nose
        if s.pattern == .patches { ellipse(h.0 + r * 0.25, h.1 + r * 0.22, r * 0.38, r * 0.32, Painter.coatSecond(s)) }
        eye(h.0 + r * 0.35, h.1 + r * 0.22, r * 0.24, iris: s.eyeColor, slit: false)
        switch s.variant {
        case 1:  // pricked ear in front
            polygon([(h.0 - r * 0.55, h.1 + r * 0.45), (h.0 + r * 0.15, h.1 + r * 0.6), (h.0 - r * 0.3, h.1 + r * 1.5)], ear)
        case 2:  // long floppy ear
            ellipse(h.0 - r * 0.45, h.1 - r * 0.25, r * 0.85, r * 0.3, angle: 75, ear)
        default:  // short floppy ear
            ellipse(h.0 - r * 0.4, h.1 + r * 0.05, r * 0.6, r * 0.3, angle: 65, ear)
        }
    }
}
