import Diffusion
import Imaging
import Pipeline
import Tensor

/// The DreamBooth paper's metrics (Ruiz et al. 2023, §4.1 and §4.3) for one set of samples against the subject's
/// real photos, each a mean of cosine similarities:
/// - `dino`: subject fidelity, generated × real pairs in the identity (DINO) encoder;
/// - `clip_i`: the same in CLIP's image space;
/// - `clip_t`: prompt fidelity, each image with its prompt (the identifier taken out, so the rare token, which means
///   nothing to the evaluator, does not weigh on the score);
/// - `pres`: prior preservation, class-prompt samples × real photos in the identity encoder (lower is better: the
///   class prior did not collapse onto the subject);
/// - `div`: diversity, the mean distance (1 − cosine) between same-prompt samples. The paper uses LPIPS; here the
///   distance is taken in the identity encoder, named so in metrics.json.
struct DreamBoothMetrics: Codable, Equatable {
    var dino: Double
    var clip_i: Double
    var clip_t: Double
    var pres: Double?
    var div: Double

    /// What `div` measures, written beside the numbers.
    static let divMeasure = "1 - cosine of identity-encoder embeddings between same-prompt samples (LPIPS substitute)"
}

/// The real photos among themselves: the ceiling for subject fidelity and the diversity of real views.
struct RealPhotoMetrics: Codable, Equatable {
    var dino: Double
    var clip_i: Double
    var div: Double
    var photos: Int
}

/// The scorers with the real photos' embeddings computed once.
struct DreamBoothScoring {
    let identity: DINOScorer
    let clip: ImageTextScorer
    let identifier: String
    private let realIdentity: Tensor
    private let realCLIP: Tensor
    let photos: Int

    init(identity: DINOScorer, clip: ImageTextScorer, identifier: String, photos: [Image]) throws {
        self.identity = identity
        self.clip = clip
        self.identifier = identifier
        realIdentity = try identity.embeddings(photos)
        realCLIP = try clip.imageEmbeddings(photos)
        self.photos = photos.count
    }

    /// Whether a prompt names the subject: it holds the identifier as a word.
    func isSubjectPrompt(_ prompt: String) -> Bool {
        !identifier.isEmpty && Self.words(prompt).contains(identifier)
    }

    /// The prompt with the identifier taken out, as CLIP-T reads it ("a photo of [V] dog" → "a photo of dog").
    func withoutIdentifier(_ prompt: String) -> String {
        Self.words(prompt).filter { $0 != identifier }.joined(separator: " ")
    }

    static func words(_ s: String) -> [String] { s.split(whereSeparator: \.isWhitespace).map(String.init) }

    /// The metrics of `prompts` (prompt, its images): subject prompts give dino, clip_i, clip_t and div, the others pres.
    func metrics(_ prompts: [(prompt: String, images: [Image])]) throws -> DreamBoothMetrics {
        let subject = prompts.filter { isSubjectPrompt($0.prompt) }
        let others = prompts.filter { !isSubjectPrompt($0.prompt) }
        guard !subject.isEmpty else {
            throw PipelineError.failed("no prompt holds the identifier '\(identifier)': no sample shows the subject")
        }
        // Each subject prompt's images are embedded once per encoder; every subject metric reads those rows.
        let identityRows = try subject.map { try identity.embeddings($0.images) }
        let clipRows = try subject.map { try clip.imageEmbeddings($0.images) }
        let clipT = try zip(subject, clipRows).flatMap { entry, rows in
            EmbeddingSimilarity.cosines(rows, try clip.textEmbeddings([withoutIdentifier(entry.prompt)])).map { Double($0[0]) }
        }
        let div = identityRows.map { 1 - EmbeddingSimilarity.meanPairwiseCosine($0) }
        return DreamBoothMetrics(
            dino: Double(EmbeddingSimilarity.meanCosine(Tensor.concat(identityRows, axis: 0), realIdentity)),
            clip_i: Double(EmbeddingSimilarity.meanCosine(Tensor.concat(clipRows, axis: 0), realCLIP)),
            clip_t: Self.mean(clipT),
            pres: others.isEmpty ? nil : Double(EmbeddingSimilarity.meanCosine(try identity.embeddings(others.flatMap(\.images)), realIdentity)),
            div: Self.mean(div.filter { !$0.isNaN }))
    }

    /// The real photos among themselves (distinct pairs).
    func real() -> RealPhotoMetrics {
        RealPhotoMetrics(dino: EmbeddingSimilarity.meanPairwiseCosine(realIdentity),
                         clip_i: EmbeddingSimilarity.meanPairwiseCosine(realCLIP),
                         div: 1 - EmbeddingSimilarity.meanPairwiseCosine(realIdentity), photos: photos)
    }

    /// Subject fidelity of a set of (high-resolution) images: generated × real in the identity encoder.
    func dino(_ images: [Image]) throws -> Double {
        Double(EmbeddingSimilarity.meanCosine(try identity.embeddings(images), realIdentity))
    }

    static func mean(_ values: [Double]) -> Double {
        values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count)
    }
}
