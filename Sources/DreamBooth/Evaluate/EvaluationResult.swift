/// metrics.json: the fine-tuned model's metrics at the top level (`dino`, `clip_i`, `clip_t`, `pres`, `div`), the
/// un-tuned base's on the same prompts under `baseline`, the real photos' under `real`, the upscaler fine-tune's
/// effect under `sr`, and the paper's claims checked on these numbers under `checks`.
struct EvaluationResult: Encodable {
    var identifier: String
    var tuned: DreamBoothMetrics
    var baseline: DreamBoothMetrics?
    var real: RealPhotoMetrics
    var sr: SRMetrics?
    var checks: [Check]
    var samples: Int

    /// Subject fidelity of the final high-resolution samples, with the fine-tuned upscaler and with the un-tuned one
    /// on the same low-resolution images.
    struct SRMetrics: Codable, Equatable {
        var dino: Double
        var dino_without_sr_finetune: Double
        var images: Int
    }

    struct Check: Codable, Equatable {
        var claim: String
        var passed: Bool
        var detail: String
    }

    enum CodingKeys: String, CodingKey {
        case identifier, dino, clip_i, clip_t, pres, div, baseline, real, sr, checks, samples, div_measure
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(identifier, forKey: .identifier)
        try c.encode(tuned.dino, forKey: .dino)
        try c.encode(tuned.clip_i, forKey: .clip_i)
        try c.encode(tuned.clip_t, forKey: .clip_t)
        try c.encodeIfPresent(tuned.pres, forKey: .pres)
        try c.encode(tuned.div, forKey: .div)
        try c.encode(DreamBoothMetrics.divMeasure, forKey: .div_measure)
        try c.encodeIfPresent(baseline, forKey: .baseline)
        try c.encode(real, forKey: .real)
        try c.encodeIfPresent(sr, forKey: .sr)
        try c.encode(checks, forKey: .checks)
        try c.encode(samples, forKey: .samples)
    }

    /// The paper's directions for one subject: DreamBooth raises DINO and CLIP-I clearly over the un-tuned base
    /// while CLIP-T stays within 5%, and the upscaler fine-tune raises subject fidelity at full resolution.
    static func checks(tuned: DreamBoothMetrics, baseline: DreamBoothMetrics?, sr: SRMetrics?) -> [Check] {
        var checks: [Check] = []
        func gain(_ name: String, _ a: Double, _ b: Double, margin: Double) {
            checks.append(Check(claim: "\(name) rises over the un-tuned base by at least \(margin)", passed: a - b >= margin,
                                detail: "\(HTML.number(a)) vs \(HTML.number(b)) (\(a - b >= 0 ? "+" : "")\(HTML.number(a - b)))"))
        }
        if let baseline {
            gain("DINO", tuned.dino, baseline.dino, margin: 0.02)
            gain("CLIP-I", tuned.clip_i, baseline.clip_i, margin: 0.02)
            let change = (tuned.clip_t - baseline.clip_t) / abs(baseline.clip_t)
            checks.append(Check(claim: "CLIP-T stays within 5% of the un-tuned base's", passed: abs(change) <= 0.05,
                                detail: "\(HTML.number(tuned.clip_t)) vs \(HTML.number(baseline.clip_t)) (\(String(format: "%+.1f", change * 100))%)"))
        }
        if let sr {
            checks.append(Check(claim: "the upscaler fine-tune raises DINO of the upscaled samples", passed: sr.dino > sr.dino_without_sr_finetune,
                                detail: "\(HTML.number(sr.dino)) vs \(HTML.number(sr.dino_without_sr_finetune)) without it"))
        }
        return checks
    }
}
