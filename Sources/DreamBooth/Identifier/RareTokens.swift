import Diffusion
import Imaging

/// The paper's rare-token identifiers (Ruiz et al. §4.1), on a CLIP BPE vocabulary.
///
/// The paper samples T5-XXL ids 5000–10000 that decode to at most 3 characters without spaces. CLIP's BPE ids are
/// in merge order — 256 bytes, 256 bytes ending a word, then 48 894 merges from most to least frequent, then the two
/// special tokens — so the rare end of the vocabulary is its last merges: the default window is ids
/// 35 000 ..< 49 406, the last 28% of merges. A candidate must be a whole word (the token ends in `</w>`), decode to
/// 1–3 letters and tokenize back to itself, so `"a xyz dog"` puts exactly that id before the class noun.
enum RareTokens {
    static let defaultWindow = 35_000..<49_406

    /// Every id in `window` that qualifies, in id order.
    static func candidates(in tokenizer: CLIPTokenizer, window: Range<Int>) -> [Int] {
        let tokens = tokenizer.vocabulary.tokens
        let ids = max(window.lowerBound, 0)..<min(window.upperBound, tokens.count)
        return ids.filter { id in
            guard tokens[id].hasSuffix("</w>") else { return false }
            let text = word(id, tokenizer)
            return (1...3).contains(text.count) && text.allSatisfy(\.isLetter) && tokenizer.ids(text) == [id]
        }
    }

    /// The text an id decodes to, without the space its end-of-word marker becomes.
    static func word(_ id: Int, _ tokenizer: CLIPTokenizer) -> String {
        String(tokenizer.decode([id]).drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }

    /// `count` identifiers of `tokensEach` ids, drawn uniformly without replacement from `candidates`.
    static func draw(_ count: Int, tokensEach: Int, from candidates: [Int], seed: UInt64) -> [[Int]] {
        var pool = candidates
        var rng = SplitMix64(seed: seed)
        // Fisher–Yates on the first count × tokensEach places only.
        let needed = min(count * tokensEach, pool.count)
        for i in 0..<needed {
            let j = i + rng.below(pool.count - i)
            pool.swapAt(i, j)
        }
        return stride(from: 0, to: needed - tokensEach + 1, by: tokensEach).map { Array(pool[$0..<$0 + tokensEach]) }
    }
}
