import Foundation

/// CLIP's tokenizer, giving the ids transformers' `CLIPTokenizer` gives for the same files and text.
///
/// `encode` returns what diffusers' pipelines feed the text encoder: `<|startoftext|>`, the prompt's ids cut to
/// `modelMaxLength − 2`, `<|endoftext|>`, then the pad id up to `modelMaxLength`. Words are cached after their first
/// BPE, so the long tail of a prompt set costs one lookup per repeated word.
public final class CLIPTokenizer: @unchecked Sendable {  // the cache is guarded by `lock`; all else is immutable
    public let vocabulary: CLIPVocabulary
    public let configuration: CLIPTokenizerConfiguration
    public let bosTokenID: Int
    public let eosTokenID: Int
    public let padTokenID: Int
    public var modelMaxLength: Int { configuration.modelMaxLength }
    /// Special and added tokens, matched in the raw text before any cleanup, longest first.
    private let specialTokens: [(text: [Unicode.Scalar], id: Int)]
    private var cache: [String: [Int32]] = [:]
    private let lock = NSLock()

    /// A tokenizer over `vocabulary` with `configuration`'s special tokens, each of which must be in the vocabulary
    /// (or carry its own id).
    public init(vocabulary: CLIPVocabulary, configuration: CLIPTokenizerConfiguration = .init(),
                path: String = "tokenizer") throws(TokenizerError) {
        self.vocabulary = vocabulary
        self.configuration = configuration
        func resolve(_ token: String, _ role: String) throws(TokenizerError) -> Int {
            if let id = vocabulary.id(of: token) { return id }
            if let id = configuration.addedTokens[token] ?? nil { return id }
            throw TokenizerError(path: path, "\(role) \"\(token)\" is not in the vocabulary")
        }
        bosTokenID = try resolve(configuration.bosToken, "bos_token")
        eosTokenID = try resolve(configuration.eosToken, "eos_token")
        padTokenID = try resolve(configuration.padToken, "pad_token")
        var specials: [String: Int] = [:]
        let unkTokenID = try resolve(configuration.unkToken, "unk_token")
        for (token, id) in [(configuration.bosToken, bosTokenID), (configuration.eosToken, eosTokenID),
                            (configuration.padToken, padTokenID), (configuration.unkToken, unkTokenID)] {
            specials[token] = id
        }
        for token in configuration.addedTokens.keys where specials[token] == nil {
            specials[token] = try resolve(token, "added token")
        }
        specialTokens = specials.filter { !$0.key.isEmpty }
            .map { (Array($0.key.unicodeScalars), $0.value) }
            .sorted { $0.text.count != $1.text.count ? $0.text.count > $1.text.count : $0.id < $1.id }
    }

    /// Loads the tokenizer in `folder` (holding `vocab.json`, `merges.txt` and optionally the config files).
    public convenience init(folder: String) throws(TokenizerError) {
        try self.init(vocabulary: CLIPVocabulary(folder: folder),
                      configuration: CLIPTokenizerConfiguration(folder: folder), path: folder)
    }

    /// Loads the tokenizer of a diffusers model folder (`DIR/tokenizer/`), or `DIR` itself when it is a tokenizer
    /// folder.
    public convenience init(modelFolder: String) throws(TokenizerError) {
        try self.init(folder: Self.tokenizerFolder(in: modelFolder))
    }

    /// Where the tokenizer files of `modelFolder` are: `tokenizer/` inside it, or the folder itself.
    public static func tokenizerFolder(in modelFolder: String) throws(TokenizerError) -> String {
        let nested = (modelFolder as NSString).appendingPathComponent("tokenizer")
        for candidate in [nested, modelFolder]
        where FileManager.default.fileExists(atPath: (candidate as NSString).appendingPathComponent("vocab.json")) {
            return candidate
        }
        throw TokenizerError(path: modelFolder,
            "no tokenizer: neither \(nested)/vocab.json nor \(modelFolder)/vocab.json exists")
    }

    // MARK: Encoding

    /// The prompt's token ids, without special tokens at the ends, padding or truncation.
    public func ids(_ text: String) -> [Int] {
        var ids: [Int] = []
        for segment in segments(text) {
            switch segment {
            case .special(let id): ids.append(id)
            case .text(let stretch):
                for word in CLIPPreTokenizer.words(stretch) { ids += encodeWord(word).lazy.map(Int.init) }
            }
        }
        return ids
    }

    /// `<|startoftext|>` + ids + `<|endoftext|>`, truncated and padded to `length` (default `modelMaxLength`), as
    /// `tokenizer(text, padding="max_length", truncation=True)` gives them.
    public func encode(_ text: String, length: Int? = nil) -> [Int] {
        let length = max(length ?? modelMaxLength, 2)
        var result = [bosTokenID]
        result += ids(text).prefix(length - 2)
        result.append(eosTokenID)
        result += repeatElement(padTokenID, count: length - result.count)
        return result
    }

    /// The token texts of `ids` (for inspection: byte-level characters, `</w>` at word ends).
    public func tokens(_ ids: [Int]) -> [String] {
        ids.map { $0 >= 0 && $0 < vocabulary.tokens.count ? vocabulary.tokens[$0] : "<\($0)?>" }
    }

    /// Text back from ids, special tokens left out: `</w>` becomes a space, byte characters become bytes.
    public func decode(_ ids: [Int]) -> String {
        let special = Set(specialTokens.map(\.id))
        var bytes: [UInt8] = []
        for token in tokens(ids.filter { !special.contains($0) }) {
            let word = token.hasSuffix("</w>") ? String(token.dropLast(4)) : token
            for character in word { if let byte = ByteLevelAlphabet.bytes[character] { bytes.append(byte) } }
            if token.hasSuffix("</w>") { bytes.append(0x20) }
        }
        return String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespaces)
    }

    // MARK: Internals

    private enum Segment {
        case text(Substring)
        case special(Int)
    }

    /// Splits `text` at special tokens: at each position the longest special token starting there wins, and the
    /// earliest position wins overall (leftmost-longest, as the tokenizers library matches added tokens).
    private func segments(_ text: String) -> [Segment] {
        guard !specialTokens.isEmpty else { return [.text(Substring(text))] }
        let scalars = text.unicodeScalars
        var segments: [Segment] = []
        var stretchStart = scalars.startIndex
        var index = scalars.startIndex
        outer: while index < scalars.endIndex {
            for special in specialTokens where scalars[index] == special.text[0] {
                var probe = index
                var matched = true
                for expected in special.text {
                    guard probe < scalars.endIndex, scalars[probe] == expected else { matched = false; break }
                    probe = scalars.index(after: probe)
                }
                if matched {
                    if stretchStart < index { segments.append(.text(Substring(text.unicodeScalars[stretchStart..<index]))) }
                    segments.append(.special(special.id))
                    index = probe
                    stretchStart = probe
                    continue outer
                }
            }
            index = scalars.index(after: index)
        }
        if stretchStart < scalars.endIndex { segments.append(.text(Substring(text.unicodeScalars[stretchStart...]))) }
        return segments
    }

    private func encodeWord(_ word: String) -> [Int32] {
        lock.lock()
        let cached = cache[word]
        lock.unlock()
        if let cached { return cached }
        let ids = vocabulary.encoder.encode(word)
        lock.lock()
        if cache.count > 100_000 { cache.removeAll(keepingCapacity: true) }  // bound memory on endless new words
        cache[word] = ids
        lock.unlock()
        return ids
    }
}
