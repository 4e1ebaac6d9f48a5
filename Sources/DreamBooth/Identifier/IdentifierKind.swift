import Diffusion
import Foundation
import Pipeline
import Pretraining

/// `kind: identifier` — the rare-token identifier "[V]" that DreamBooth binds to the subject. Draws candidates
/// uniformly from the rare window of the model's own tokenizer (see `RareTokens`), probes each one's prior in the
/// frozen model (`PriorProbe`) and keeps the first whose prior is weak; a user-given `identifier` is probed the
/// same way and kept, with a warning when its prior is strong.
///
/// Outputs: `token` (the identifier string, for `${identifier.token}` in prompts), `ids` (its token ids) and
/// `report` (identifier.json: every probed candidate and its strengths).
struct IdentifierKind: DreamBoothKind {
    let name = "identifier"
    let version = 1
    let pathKeys = ["model"]

    func declareOutputs(of stage: StageSpec, in pipeline: PipelineSpec) throws -> [OutputDeclaration] {
        [OutputDeclaration(name: "token", form: .value), OutputDeclaration(name: "ids", form: .value),
         OutputDeclaration(name: "report", form: .published(fileName: "identifier.json", isFolder: false))]
    }

    struct Probed: Codable {
        var identifier: String
        var ids: [Int]
        var text_strength: Double
        var image_strength: Double
        var weak: Bool
    }

    func run(_ job: StageJob) throws -> [String: PlainValue] {
        let p = StageParameters(job.stage)
        let model = try StageModels.stableDiffusion(try p.path("model", in: job), stage: job.stage)
        let tokenizer = model.tokenizer
        let classNoun = try p.string("class_noun", default: "")
        let maxPrior = try p.double("max_prior", default: 0.5)
        let settings = try SamplingSettings(p, steps: 10, guidance: 5)
        let seed = try seed(job)
        let probeImages = try p.int("probe_images", default: 2)
        let probe = try PriorProbe(model: model, classNoun: classNoun, settings: settings,
                                   seeds: (0..<UInt64(probeImages)).map { seed &+ 0x1D_0000 &+ $0 }, job: job)
        var probed: [Probed] = []
        func measure(_ ids: [Int], _ text: String) throws -> Probed {
            let strength = try probe.strength(of: text, job: job)
            let entry = Probed(identifier: text, ids: ids, text_strength: Self.rounded(strength.text),
                               image_strength: Self.rounded(strength.image), weak: strength.prior <= maxPrior)
            job.progress.line(String(format: "%@ %@: text prior %.3f, image prior %.3f (%@)", text, ids.description,
                                     strength.text, strength.image, entry.weak ? "weak" : "strong"))
            probed.append(entry)
            return entry
        }

        let chosen: Probed
        if let given = try p.optionalString("identifier") {
            let ids = tokenizer.ids(given)
            guard !ids.isEmpty else {
                throw PipelineError.invalid(at: p.node("identifier")?.location ?? job.stage.location,
                                            "stage '\(job.stage.name)': identifier '\(given)' has no tokens")
            }
            chosen = try measure(ids, given)
            if !chosen.weak {
                job.progress.line("warning: '\(given)' already means something to this model (prior "
                    + String(format: "%.2f", max(chosen.text_strength, chosen.image_strength))
                    + " of the class noun's, above max_prior \(maxPrior)); a rare token binds the subject more cleanly")
            }
        } else {
            let window = try self.window(p)
            let tokensEach = try p.int("tokens", default: 1)
            let pool = RareTokens.candidates(in: tokenizer, window: window)
            guard pool.count >= tokensEach else {
                throw PipelineError.invalid(at: p.node("vocabulary_window")?.location ?? job.stage.location,
                                            "stage '\(job.stage.name)': only \(pool.count) ids in \(window) decode to 1–3 letters")
            }
            job.progress.line("\(pool.count) rare candidates in ids \(window.lowerBound)..<\(window.upperBound)")
            let draws = RareTokens.draw(try p.int("candidates", default: 8), tokensEach: tokensEach, from: pool, seed: seed)
            var first: Probed?
            for ids in draws {
                let text = ids.map { RareTokens.word($0, tokenizer) }.joined(separator: " ")
                guard tokenizer.ids(text) == ids else { continue }
                let entry = try measure(ids, text)
                if entry.weak { first = entry; break }
                try job.checkCancellation()
            }
            guard let pick = first ?? probed.min(by: { max($0.text_strength, $0.image_strength) < max($1.text_strength, $1.image_strength) }) else {
                throw PipelineError.failed("stage '\(job.stage.name)': no candidate identifier could be probed")
            }
            if first == nil { job.progress.line("warning: every candidate's prior is above max_prior \(maxPrior); keeping the weakest") }
            chosen = pick
        }
        job.progress.line("identifier: '\(chosen.identifier)' (ids \(chosen.ids))")
        job.report(figure: "token", .string(chosen.identifier))
        job.report(figure: "prior", .double(max(chosen.text_strength, chosen.image_strength)))

        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(Report(chosen: chosen, probed: probed, class_noun: classNoun, max_prior: maxPrior))
        try data.write(to: job.outputURL("report"))
        return ["token": .string(chosen.identifier), "ids": .array(chosen.ids.map(PlainValue.int))]
    }

    struct Report: Codable {
        var chosen: Probed
        var probed: [Probed]
        var class_noun: String
        var max_prior: Double
    }

    func window(_ p: StageParameters) throws -> Range<Int> {
        guard let node = p.node("vocabulary_window") else { return RareTokens.defaultWindow }
        guard let items = node.array, items.count == 2, let low = items[0].int, let high = items[1].int, low < high else {
            throw PipelineError.invalid(at: node.location, "stage '\(p.stage.name)': vocabulary_window must be [first id, end id) with first < end")
        }
        return low..<high
    }

    static func rounded(_ x: Double) -> Double { (x * 10_000).rounded() / 10_000 }
}
