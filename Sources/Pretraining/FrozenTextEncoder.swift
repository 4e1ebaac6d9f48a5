import Diffusion
import Foundation
import Tensor

/// A frozen CLIP text encoder with a memo of the captions it has encoded: the world's captions repeat, and their
/// hidden states never change while the UNet trains, so each is computed once.
final class FrozenTextEncoder {
    let model: CLIPTextModel
    let tokenizer: CLIPTokenizer
    private var memo: [String: Tensor] = [:]
    private let memoLimit = 50_000

    init(model: CLIPTextModel, tokenizer: CLIPTokenizer) {
        self.model = model
        self.tokenizer = tokenizer
        model.setRequiresGrad(false)
    }

    /// The text tower of a CLIPModel folder (what SD's `text_encoder/` is), with the tokenizer stored beside it.
    convenience init(clipFolder: String) throws {
        let clip = try CLIPModel(folder: clipFolder)
        var generator = RandomGenerator(seed: 0)
        let text = try CLIPTextModel(clip.config.textConfig, generator: &generator)
        try text.load(stateDict: clip.stateDict().filter { $0.key.hasPrefix("text_model.") })
        self.init(model: text, tokenizer: try CLIPTokenizer(folder: clipFolder))
    }

    /// N×77×D last hidden states, in caption order.
    func encode(_ captions: [String]) throws -> Tensor {
        let missing = Array(Set(captions.filter { memo[$0] == nil })).sorted()
        if !missing.isEmpty {
            if memo.count + missing.count > memoLimit { memo.removeAll() }
            let states = try noGrad { try model(missing.map { tokenizer.encode($0) }).lastHiddenState }
            for (i, caption) in missing.enumerated() { memo[caption] = states.slice(axis: 0, i..<i + 1).copied() }
        }
        return Tensor.concat(captions.map { memo[$0]! }, axis: 0)
    }
}
