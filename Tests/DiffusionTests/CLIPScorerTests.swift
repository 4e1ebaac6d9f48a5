import Foundation
import Imaging
import Testing
import Tensor
@testable import Diffusion

/// CLIP-T, CLIP-I and DINO: cosines of normalised embeddings, checked against transformers' logits and against
/// their defining properties.
@Suite struct CLIPScorerTests {
    /// transformers' logits are the same cosines times exp(logit_scale) (2 in the fixture).
    @Test func cosinesMatchTransformersLogits() throws {
        let fixture = try ParityCase("clip/clip_model")
        let cosines = EmbeddingSimilarity.cosines(try fixture.tensor("image_embeds"), try fixture.tensor("text_embeds"))
        let logits = try fixture.tensor("logits_per_image").scalars
        let scale = Float(exp(2.0))
        #expect(cosines.count == 2 && cosines[0].count == 3)
        for (i, row) in cosines.enumerated() {
            for (j, value) in row.enumerated() { #expect(abs(value * scale - logits[i * 3 + j]) < 1e-4 * scale) }
        }
    }

    /// With the tiny CLIP fixture and the real tokenizer ids it was given: text embeddings match transformers', and
    /// a CLIP-T score is the cosine of the pair's own embeddings.
    @Test func clipScoresAreCosinesOfTheModelsEmbeddings() throws {
        let fixture = try ParityCase("clip/clip_model")
        let model = try CLIPModel(folder: fixture.folder)
        let processor = try ImageProcessor(folder: FixturePaths.fixture("clip/preprocessing/clip"))  // 16×16 crops
        let scorer = ImageTextScorer(model: model, tokenizer: try CLIPTokenizer(folder: FixturePaths.clipTokenizer),
                                     processor: processor)
        let text = try scorer.textEmbeddings(inputIDs: try fixture.rows("input_ids"))
        #expect(relativeError(text, try fixture.tensor("text_embeds")) < 1e-4)

        let photo = try ImageDecoder.decode(contentsOf: CLIPImageProcessorTests.image).image
        let flipped = photo.flippedHorizontally()
        let images = try scorer.imageEmbeddings([photo, flipped])
        #expect(images.shape == [2, 16])
        let norms = EmbeddingSimilarity.cosines(images, images)
        #expect(abs(norms[0][0] - 1) < 1e-5 && abs(norms[1][1] - 1) < 1e-5)
        #expect(abs(norms[0][1] - norms[1][0]) < 1e-6 && norms[0][1] < 0.9999)
        #expect(abs(try scorer.clipImageSimilarity(generated: [photo], references: [photo]) - 1) < 1e-5)
        let mean = try scorer.clipImageSimilarity(generated: [photo, flipped], references: [photo])
        #expect(abs(mean - (1 + norms[1][0]) / 2) < 1e-5)

        // Batches of one give the same embeddings as one batch.
        scorer.batchSize = 1
        let oneByOne = try scorer.imageEmbeddings([photo, flipped])
        #expect(relativeError(oneByOne, images) < 1e-5)
        #expect(relativeError(try scorer.textEmbeddings(inputIDs: try fixture.rows("input_ids")), text) < 1e-5)
    }

    @Test func dinoSimilarityOfAnImageWithItselfIsOne() throws {
        let model = try ViTModel(folder: try ParityCase("vit/vit_dino_layout").folder)
        var config = ImageProcessorConfig(family: .vit)
        config.size = .fixed(height: 16, width: 16)
        let scorer = DINOScorer(model: model, processor: try ImageProcessor(config))
        let photo = try ImageDecoder.decode(contentsOf: CLIPImageProcessorTests.image).image
        let other = photo.flippedHorizontally()
        #expect(abs(try scorer.dinoSimilarity(generated: [photo], references: [photo]) - 1) < 1e-5)
        let cross = try scorer.dinoSimilarity(generated: [photo], references: [other])
        #expect(cross < 0.9999 && cross > -1)
        #expect(abs(cross - (try scorer.dinoSimilarity(generated: [other], references: [photo]))) < 1e-6)
    }
}
