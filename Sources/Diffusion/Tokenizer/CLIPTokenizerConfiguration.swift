import Foundation

/// The parts of `tokenizer_config.json` and `special_tokens_map.json` a CLIP tokenizer uses.
///
/// Stable Diffusion 1.x pads with `<|endoftext|>`, 2.x with `!`; both use 77 positions. Special tokens are matched
/// in the raw prompt (case-sensitive) and become their own id, so with 2.x's files a `!` in a prompt is the pad id
/// 0 rather than the word-final `!</w>` — transformers does the same.
public struct CLIPTokenizerConfiguration: Sendable, Equatable {
    public var bosToken = "<|startoftext|>"
    public var eosToken = "<|endoftext|>"
    public var unkToken = "<|endoftext|>"
    public var padToken = "<|endoftext|>"
    /// Positions per sequence; transformers pads and truncates to it. Absent or unbounded in the file → 77, the
    /// position count of every CLIP text model.
    public var modelMaxLength = 77
    /// Further tokens matched in the raw text before BPE (`additional_special_tokens`, `added_tokens_decoder`,
    /// `added_tokens.json`), with their ids when the files give them.
    public var addedTokens: [String: Int?] = [:]

    public init() {}

    /// Reads the configuration files of a tokenizer folder; each is optional. `special_tokens_map.json` wins over
    /// `tokenizer_config.json` where both name a token, as in transformers.
    public init(folder: String) throws(TokenizerError) {
        let configPath = (folder as NSString).appendingPathComponent("tokenizer_config.json")
        if let config = try Self.readObject(configPath) {
            try apply(config, path: configPath)
            if let length = config["model_max_length"] {
                guard let number = length as? NSNumber, number.doubleValue >= 3 else {
                    throw TokenizerError(path: configPath, "model_max_length must be a number ≥ 3, got \(length)")
                }
                if number.doubleValue <= 1_000_000 { modelMaxLength = number.intValue }
            }
            if let decoder = config["added_tokens_decoder"] as? [String: Any] {
                for (idText, value) in decoder {
                    guard let id = Int(idText), let content = Self.tokenText(value) else {
                        throw TokenizerError(path: configPath, "added_tokens_decoder[\"\(idText)\"] is not an id → token")
                    }
                    addedTokens[content] = id
                }
            }
        }
        let mapPath = (folder as NSString).appendingPathComponent("special_tokens_map.json")
        if let map = try Self.readObject(mapPath) { try apply(map, path: mapPath) }
        let addedPath = (folder as NSString).appendingPathComponent("added_tokens.json")
        if let added = try Self.readObject(addedPath) {
            for (content, id) in added {
                guard let id = id as? Int else { throw TokenizerError(path: addedPath, "\"\(content)\" has no integer id") }
                addedTokens[content] = id
            }
        }
    }

    private mutating func apply(_ object: [String: Any], path: String) throws(TokenizerError) {
        let fields: [(String, WritableKeyPath<Self, String>)] = [
            ("bos_token", \.bosToken), ("eos_token", \.eosToken), ("unk_token", \.unkToken), ("pad_token", \.padToken),
        ]
        for (key, keyPath) in fields {
            guard let value = object[key], !(value is NSNull) else { continue }
            guard let text = Self.tokenText(value) else {
                throw TokenizerError(path: path, "\(key) must be a string or an object with \"content\", got \(value)")
            }
            self[keyPath: keyPath] = text
        }
        if let extra = object["additional_special_tokens"] as? [Any] {
            for value in extra {
                guard let text = Self.tokenText(value) else {
                    throw TokenizerError(path: path, "additional_special_tokens holds \(value), not a token")
                }
                if addedTokens[text] == nil { addedTokens[text] = .some(nil) }
            }
        }
    }

    /// A token given as a plain string or as an `AddedToken` object (`{"content": …, "lstrip": …}`).
    private static func tokenText(_ value: Any) -> String? {
        if let text = value as? String { return text }
        if let object = value as? [String: Any] { return object["content"] as? String }
        return nil
    }

    private static func readObject(_ path: String) throws(TokenizerError) -> [String: Any]? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw TokenizerError(path: path, "not a JSON object")
            }
            return object
        } catch let error as TokenizerError {
            throw error
        } catch {
            throw TokenizerError(path: path, "not valid JSON: \(error.localizedDescription)")
        }
    }
}
