import Foundation

/// A CLIP BPE vocabulary: `vocab.json` (token → id) and `merges.txt` (ranked pairs), loaded once and shared by
/// tokenizers that differ only in their special tokens (Stable Diffusion 1.x and 2.x use the same files).
public final class CLIPVocabulary: Sendable {
    /// Token text by id (the byte-level alphabet, `</w>` marking a word's end).
    public let tokens: [String]
    let idsByToken: [String: Int32]
    let encoder: BytePairEncoder

    /// Reads `vocab.json` and `merges.txt` from `folder`.
    public convenience init(folder: String) throws(TokenizerError) {
        let vocabPath = (folder as NSString).appendingPathComponent("vocab.json")
        let mergesPath = (folder as NSString).appendingPathComponent("merges.txt")
        let vocabData: Data
        let mergesText: String
        do {
            vocabData = try Data(contentsOf: URL(fileURLWithPath: vocabPath))
        } catch {
            throw TokenizerError(path: vocabPath, "cannot read: \(error.localizedDescription)")
        }
        do {
            mergesText = try String(contentsOfFile: mergesPath, encoding: .utf8)
        } catch {
            throw TokenizerError(path: mergesPath, "cannot read as UTF-8 text: \(error.localizedDescription)")
        }
        let vocab: [String: Int]
        do {
            vocab = try JSONDecoder().decode([String: Int].self, from: vocabData)
        } catch {
            throw TokenizerError(path: vocabPath, "not a JSON object of token → id: \(error)")
        }
        try self.init(vocab: vocab, merges: mergesText, vocabPath: vocabPath, mergesPath: mergesPath)
    }

    /// Builds a vocabulary from its two files' contents; the paths only name the files in errors.
    public init(vocab: [String: Int], merges: String, vocabPath: String = "vocab.json",
                mergesPath: String = "merges.txt") throws(TokenizerError) {
        guard let maxID = vocab.values.max() else { throw TokenizerError(path: vocabPath, "the vocabulary is empty") }
        // Ids index a table, so a sparse or hostile id (2e9) must not become a huge allocation.
        let limit = 2 * vocab.count + 1024
        guard maxID < limit, vocab.values.allSatisfy({ $0 >= 0 }) else {
            throw TokenizerError(path: vocabPath, "ids must lie in 0..<\(limit) for \(vocab.count) tokens; found \(maxID)")
        }
        var tokens = [String?](repeating: nil, count: maxID + 1)
        var ids: [String: Int32] = [:]
        ids.reserveCapacity(vocab.count)
        for (token, id) in vocab {
            if let other = tokens[id] {
                throw TokenizerError(path: vocabPath, "id \(id) is given to both \"\(other)\" and \"\(token)\"")
            }
            tokens[id] = token
            ids[token] = Int32(id)
        }
        self.tokens = tokens.map { $0 ?? "" }
        idsByToken = ids

        func byteIDs(suffix: String) throws(TokenizerError) -> [Int32] {
            var result: [Int32] = []
            for symbol in ByteLevelAlphabet.symbols {
                guard let id = ids[String(symbol) + suffix] else {
                    throw TokenizerError(path: vocabPath,
                        "byte-level symbol \"\(String(symbol) + suffix)\" is missing: not a byte-level BPE vocabulary")
                }
                result.append(id)
            }
            return result
        }

        var table: [UInt64: UInt64] = [:]
        table.reserveCapacity(50_000)
        var rank: UInt64 = 0
        var lineNumber = 0
        for line in merges.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let trimmed = line.hasSuffix("\r") ? line.dropLast() : line
            if trimmed.isEmpty || (lineNumber == 1 && trimmed.hasPrefix("#version")) { continue }
            let parts = trimmed.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw TokenizerError(path: "\(mergesPath):\(lineNumber)", "expected two symbols separated by one space")
            }
            let left = String(parts[0]), right = String(parts[1])
            guard let l = ids[left], let r = ids[right], let m = ids[left + right] else {
                let missing = [left, right, left + right].first { ids[$0] == nil }!
                throw TokenizerError(path: "\(mergesPath):\(lineNumber)", "\"\(missing)\" is not in vocab.json")
            }
            let key = BytePairEncoder.key(l, r)
            if table[key] == nil {  // the first (lowest-ranked) occurrence of a pair wins, as in the reference
                table[key] = rank << 32 | UInt64(UInt32(bitPattern: m))
            }
            rank += 1
        }
        encoder = BytePairEncoder(byteIDs: try byteIDs(suffix: ""), finalByteIDs: try byteIDs(suffix: "</w>"),
                                  merges: table)
    }

    /// The id of `token`, if the vocabulary has it.
    public func id(of token: String) -> Int? { idsByToken[token].map(Int.init) }

    public var count: Int { idsByToken.count }
}
