import Foundation
import Imaging
import Tensor

/// The subject-fidelity and prompt-fidelity metrics of the DreamBooth paper (Ruiz et al. 2023, §4.1), on real
/// CLIP checkpoints: CLIP-T, the cosine similarity of prompt and image CLIP embeddings, and CLIP-I, the mean
/// pairwise cosine similarity of generated and real images' CLIP embeddings. Plain cosines, as the paper reports
/// them (not torchmetrics' `100 · max(cos, 0)`).
public final class ImageTextScorer {
    public let model: CLIPModel
    public let tokenizer: CLIPTokenizer
    public let processor: ImageProcessor

    public init(model: CLIPModel, tokenizer: CLIPTokenizer, processor: ImageProcessor) {
        self.model = model
        self.tokenizer = tokenizer
        self.processor = processor
    }

    /// Loads a transformers CLIP repository folder (e.g. `openai/clip-vit-large-patch14`): `config.json`,
    /// `model.safetensors`, `preprocessor_config.json` and the tokenizer's `vocab.json` + `merges.txt`.
    public convenience init(folder: String) throws {
        try self.init(model: CLIPModel(folder: folder), tokenizer: CLIPTokenizer(modelFolder: folder),
                      processor: ImageProcessor(folder: folder))
    }

    /// Images per forward pass: bounds activation memory however many images are scored.
    public var batchSize = 16

    /// L2-normalised image embeddings `[N, P]`.
    public func imageEmbeddings(_ images: [Image]) throws -> Tensor {
        try EmbeddingSimilarity.batched(images, batchSize) { part in
            try noGrad { CLIPModel.normalized(try model.imageFeatures(processor.pixelValues(part))) }
        }
    }

    /// L2-normalised text embeddings `[N, P]`; prompts are padded and truncated to the model's position table.
    public func textEmbeddings(_ prompts: [String]) throws -> Tensor {
        let length = min(tokenizer.modelMaxLength, model.config.textConfig.maxPositionEmbeddings)
        return try textEmbeddings(inputIDs: prompts.map { tokenizer.encode($0, length: length) })
    }

    /// L2-normalised text embeddings of token ids (rows of equal length).
    public func textEmbeddings(inputIDs: [[Int]]) throws -> Tensor {
        try EmbeddingSimilarity.batched(inputIDs, batchSize) { part in
            try noGrad { CLIPModel.normalized(try model.textFeatures(part)) }
        }
    }

    /// CLIP-T per image: the cosine of `images[i]` with `prompts[i]`, or with the one prompt given for all.
    public func clipScore(images: [Image], prompts: [String]) throws -> [Float] {
        guard prompts.count == images.count || prompts.count == 1 else {
            throw ModelInputError(model: "ImageTextScorer", input: "prompts",
                                  "\(prompts.count) prompts for \(images.count) images; give one or one per image")
        }
        let similarities = try EmbeddingSimilarity.cosines(imageEmbeddings(images), textEmbeddings(prompts))
        return images.indices.map { i in similarities[i][prompts.count == 1 ? 0 : i] }
    }

    /// CLIP-I: the mean cosine similarity over every (generated, reference) pair.
    public func clipImageSimilarity(generated: [Image], references: [Image]) throws -> Float {
        EmbeddingSimilarity.meanCosine(try imageEmbeddings(generated), try imageEmbeddings(references))
    }
}

/// DINO: the mean pairwise cosine similarity of generated and real images' DINO ViT-S/16 class-token embeddings,
/// the DreamBooth paper's preferred subject-fidelity metric (DINO, unlike CLIP, separates subjects of one class).
public final class DINOScorer {
    public let model: ViTModel
    public let processor: ImageProcessor

    public init(model: ViTModel, processor: ImageProcessor) {
        self.model = model
        self.processor = processor
    }

    /// Loads a transformers ViT folder (e.g. `facebook/dino-vits16`): `config.json`, `model.safetensors` and
    /// `preprocessor_config.json`.
    public convenience init(folder: String) throws {
        try self.init(model: ViTModel(folder: folder), processor: ImageProcessor(folder: folder))
    }

    /// Images per forward pass: bounds activation memory however many images are scored.
    public var batchSize = 16

    /// L2-normalised class-token embeddings `[N, E]`.
    public func embeddings(_ images: [Image]) throws -> Tensor {
        try EmbeddingSimilarity.batched(images, batchSize) { part in
            try noGrad { CLIPModel.normalized(try model.classEmbedding(processor.pixelValues(part))) }
        }
    }

    /// The mean cosine similarity over every (generated, reference) pair.
    public func dinoSimilarity(generated: [Image], references: [Image]) throws -> Float {
        EmbeddingSimilarity.meanCosine(try embeddings(generated), try embeddings(references))
    }
}

/// Cosines of normalised embedding rows.
public enum EmbeddingSimilarity {
    /// `a·bᵀ` as rows: entry [i][j] is the cosine of a's row i and b's row j (both already normalised).
    public static func cosines(_ a: Tensor, _ b: Tensor) -> [[Float]] {
        let m = noGrad { Tensor.matmul(a, b, transposeB: true) }
        let cols = b.shape[0], values = m.scalars
        return (0..<a.shape[0]).map { Array(values[($0 * cols)..<(($0 + 1) * cols)]) }
    }

    /// Runs `body` on consecutive slices of at most `size` items and stacks the `[n, P]` results in order.
    static func batched<Item>(_ items: [Item], _ size: Int, _ body: ([Item]) throws -> Tensor) throws -> Tensor {
        guard !items.isEmpty else {
            throw ModelInputError(model: "scorer", input: "inputs", "nothing to embed")
        }
        let step = max(size, 1)
        let parts = try stride(from: 0, to: items.count, by: step).map { start in
            try body(Array(items[start..<min(start + step, items.count)]))
        }
        return parts.count == 1 ? parts[0] : Tensor.concat(parts, axis: 0)
    }

    /// The mean of every entry of `cosines(a, b)`.
    public static func meanCosine(_ a: Tensor, _ b: Tensor) -> Float {
        let all = cosines(a, b).joined()
        return all.isEmpty ? .nan : Float(all.reduce(0.0) { $0 + Double($1) } / Double(all.count))
    }

    /// The mean cosine over distinct pairs of rows of `embeddings` (0 pairs: NaN): how alike a set is.
    public static func meanPairwiseCosine(_ embeddings: Tensor) -> Double {
        let s = cosines(embeddings, embeddings)
        var total = 0.0, count = 0
        for i in s.indices { for j in s.indices where j > i { total += Double(s[i][j]); count += 1 } }
        return count == 0 ? .nan : total / Double(count)
    }

    /// The mean cosine of row i of `a` with row i of `b`: how alike paired items are.
    public static func meanDiagonalCosine(_ a: Tensor, _ b: Tensor) -> Double {
        let s = cosines(a, b)
        return s.indices.reduce(0.0) { $0 + Double(s[$1][$1]) } / Double(s.count)
    }
}
