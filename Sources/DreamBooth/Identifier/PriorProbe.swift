import Diffusion
import Pipeline
import Tensor

/// How strong a prior an identifier already has in a model: how far putting it into a prompt moves the text
/// encoder's states, and the pictures the frozen model draws, each relative to what the class noun itself does.
///
/// With `b` = "a photo of a", `v` = "a photo of a [V]" and `n` = "a photo of a {class}": text strength is
/// ‖E(v) − E(b)‖ / ‖E(n) − E(b)‖ over the encoder's whole last hidden state, image strength the same ratio of mean
/// absolute pixel differences between samples from the same seeds. A token the model never learnt moves neither
/// (≈ 0); a word it knows as well as the class noun scores about 1.
struct PriorProbe {
    struct Strength: Equatable {
        var text: Double
        var image: Double
        var prior: Double { max(text, image) }
    }

    let model: StableDiffusion
    let settings: SamplingSettings
    let seeds: [UInt64]
    let template = "a photo of a"
    private let baseStates: Tensor, nounShift: Double
    private let baseImages: Tensor?, nounImageShift: Double

    init(model: StableDiffusion, classNoun: String, settings: SamplingSettings, seeds: [UInt64], job: StageJob) throws {
        self.model = model
        self.settings = settings
        self.seeds = seeds
        baseStates = try model.encode([template])
        nounShift = Self.distance(try model.encode(["\(template) \(classNoun)"]), baseStates)
        if seeds.isEmpty {
            baseImages = nil
            nounImageShift = 1
        } else {
            let base = try settings.generate(model, prompt: template, seeds: seeds, job: job, phase: "probe: \(template)")
            baseImages = base
            nounImageShift = Self.meanAbsolute(try settings.generate(model, prompt: "\(template) \(classNoun)", seeds: seeds,
                                                                     job: job, phase: "probe: \(classNoun)"), base)
        }
    }

    func strength(of identifier: String, job: StageJob) throws -> Strength {
        let text = Self.distance(try model.encode(["\(template) \(identifier)"]), baseStates) / max(nounShift, 1e-12)
        guard let baseImages else { return Strength(text: text, image: 0) }
        let images = try settings.generate(model, prompt: "\(template) \(identifier)", seeds: seeds, job: job,
                                           phase: "probe: \(identifier)")
        return Strength(text: text, image: Self.meanAbsolute(images, baseImages) / max(nounImageShift, 1e-12))
    }

    static func distance(_ a: Tensor, _ b: Tensor) -> Double {
        zip(a.scalars, b.scalars).reduce(0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) }.squareRoot()
    }

    static func meanAbsolute(_ a: Tensor, _ b: Tensor) -> Double {
        zip(a.scalars, b.scalars).reduce(0) { $0 + Double(abs($1.0 - $1.1)) } / Double(max(a.count, 1))
    }
}
