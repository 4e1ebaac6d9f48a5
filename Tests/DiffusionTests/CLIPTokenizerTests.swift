import Foundation
import Testing
import TestSupport
@testable import Diffusion

/// The shipped vocabulary, loaded once for all tokenizer tests.
let sharedCLIPVocabulary: CLIPVocabulary = try! CLIPVocabulary(folder: FixturePaths.clipTokenizer)

/// Ids against transformers' CLIPTokenizer (fixture made by scripts/reference/make_fixtures.py).
@Suite struct CLIPTokenizerTests {
    struct Case: Decodable {
        let text: String
        let ids: [Int]
        let sd1: [Int]
        let sd2: [Int]
    }

    struct Cases: Decodable {
        let model_max_length: Int
        let cases: [Case]
    }

    let cases: Cases

    init() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: FixturePaths.fixture("tokenizer/clip_cases.json")))
        cases = try JSONDecoder().decode(Cases.self, from: data)
    }

    static func sd2Configuration() -> CLIPTokenizerConfiguration {
        var configuration = CLIPTokenizerConfiguration()
        configuration.padToken = "!"
        return configuration
    }

    @Test func matchesTransformersWithStableDiffusion1Configuration() throws {
        let tokenizer = try CLIPTokenizer(vocabulary: sharedCLIPVocabulary,
                                          configuration: CLIPTokenizerConfiguration(folder: FixturePaths.clipTokenizer))
        #expect(tokenizer.padTokenID == 49407 && tokenizer.bosTokenID == 49406 && tokenizer.modelMaxLength == 77)
        #expect(cases.cases.count >= 30)
        for item in cases.cases {
            #expect(tokenizer.ids(item.text) == item.ids, "\(item.text.debugDescription)")
            #expect(tokenizer.encode(item.text) == item.sd1, "\(item.text.debugDescription)")
        }
    }

    @Test func matchesTransformersWithStableDiffusion2Configuration() throws {
        let tokenizer = try CLIPTokenizer(vocabulary: sharedCLIPVocabulary, configuration: Self.sd2Configuration())
        #expect(tokenizer.padTokenID == 0)
        for item in cases.cases {
            #expect(tokenizer.encode(item.text) == item.sd2, "\(item.text.debugDescription)")
        }
        // "!" is special under 2.x's files: the pad id, not "!</w>".
        #expect(tokenizer.encode("hello!").prefix(4) == [49406, 3306, 0, 49407])
    }

    @Test func knownIdsAndDecoding() throws {
        let tokenizer = try CLIPTokenizer(vocabulary: sharedCLIPVocabulary)
        #expect(sharedCLIPVocabulary.count == 49408)
        #expect(tokenizer.ids("a photo of a dog") == [320, 1125, 539, 320, 1929])
        #expect(tokenizer.tokens([320, 1929]) == ["a</w>", "dog</w>"])
        #expect(tokenizer.decode(tokenizer.encode("A photo of   a Dog, café!")) == "a photo of a dog , café !")
        #expect(tokenizer.encode("x", length: 5) == [49406, 343, 49407, 49407, 49407])
        let long = tokenizer.encode(String(repeating: "dog ", count: 200))
        #expect(long.count == 77 && long.first == 49406 && long.last == 49407)
    }

    @Test func readsStableDiffusionConfigFiles() throws {
        let folder = try TemporaryFolder("tokenizer")
        for file in ["vocab.json", "merges.txt"] {
            try FileManager.default.copyItem(atPath: FixturePaths.clipTokenizer + "/" + file,
                                             toPath: folder.url.appendingPathComponent(file).path)
        }
        // SD 1.5's tokenizer_config.json style: AddedToken objects, no added_tokens_decoder.
        let added = { (content: String) in
            "{\"__type\": \"AddedToken\", \"content\": \"\(content)\", \"lstrip\": false, \"normalized\": true, \"rstrip\": false, \"single_word\": false}"
        }
        let config = """
            {"add_prefix_space": false, "bos_token": \(added("<|startoftext|>")), "do_lower_case": true,
             "eos_token": \(added("<|endoftext|>")), "errors": "replace", "model_max_length": 77,
             "name_or_path": "openai/clip-vit-large-patch14", "pad_token": "<|endoftext|>",
             "special_tokens_map_file": "./special_tokens_map.json", "tokenizer_class": "CLIPTokenizer",
             "unk_token": \(added("<|endoftext|>"))}
            """
        try config.write(to: folder.url.appendingPathComponent("tokenizer_config.json"), atomically: true, encoding: .utf8)
        // SD 2.x's special_tokens_map.json says pad "!", and wins over tokenizer_config.json.
        try #"{"bos_token": "<|startoftext|>", "eos_token": "<|endoftext|>", "pad_token": "!", "unk_token": "<|endoftext|>"}"#
            .write(to: folder.url.appendingPathComponent("special_tokens_map.json"), atomically: true, encoding: .utf8)
        let tokenizer = try CLIPTokenizer(folder: folder.url.path)
        #expect(tokenizer.padTokenID == 0)
        #expect(tokenizer.modelMaxLength == 77)

        // A diffusers model folder holds the tokenizer in tokenizer/.
        let model = try TemporaryFolder("model")
        try FileManager.default.copyItem(atPath: folder.url.path,
                                         toPath: model.url.appendingPathComponent("tokenizer").path)
        #expect(try CLIPTokenizer.tokenizerFolder(in: model.url.path) == model.url.appendingPathComponent("tokenizer").path)
        #expect(try CLIPTokenizer.tokenizerFolder(in: folder.url.path) == folder.url.path)
    }

    @Test func errorsNameTheFile() throws {
        let folder = try TemporaryFolder("tokenizer")
        do { _ = try CLIPTokenizer(modelFolder: folder.url.path); Issue.record("empty folder loaded") } catch {
            #expect(error.description.contains("tokenizer/vocab.json"))
        }
        let vocab = ["a": 0, "b": 1, "ab": 2]
        do { _ = try CLIPVocabulary(vocab: vocab, merges: "#version: 0.2\na b\nb c\n"); Issue.record("bad merge") } catch {
            #expect(error.path == "merges.txt:3")
            #expect(error.message.contains("\"c\" is not in vocab.json"))
        }
        do { _ = try CLIPVocabulary(vocab: vocab, merges: "a  b\n"); Issue.record("bad line") } catch {
            #expect(error.path == "merges.txt:1")
        }
        do { _ = try CLIPVocabulary(vocab: ["a": 2_000_000_000], merges: ""); Issue.record("huge id") } catch {
            #expect(error.message.contains("found 2000000000"))
        }
        do { _ = try CLIPVocabulary(vocab: ["a": 0, "b": 0], merges: ""); Issue.record("shared id") } catch {
            #expect(error.message.contains("id 0 is given to both"))
        }
        do { _ = try CLIPVocabulary(vocab: vocab, merges: ""); Issue.record("not byte-level") } catch {
            #expect(error.message.contains("byte-level symbol"))
        }
        var configuration = CLIPTokenizerConfiguration()
        configuration.padToken = "<pad>"
        do { _ = try CLIPTokenizer(vocabulary: sharedCLIPVocabulary, configuration: configuration); Issue.record("pad") } catch {
            #expect(error.message == "pad_token \"<pad>\" is not in the vocabulary")
        }
        try "{\"model_max_length\": \"many\"}".write(to: folder.url.appendingPathComponent("tokenizer_config.json"),
                                                     atomically: true, encoding: .utf8)
        #expect(throws: TokenizerError.self) { try CLIPTokenizerConfiguration(folder: folder.url.path) }
    }
}
