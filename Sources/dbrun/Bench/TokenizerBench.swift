import ArgumentParser
import Diffusion
import Foundation

/// `dbrun bench tokenizer`: vocabulary load time and prompts per second, with the word cache warm and cold, set
/// against transformers' CLIPTokenizer and CLIPTokenizerFast on the same prompts when `--python` is given.
struct TokenizerBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenizer", abstract: "Measure CLIP tokenizer loading and throughput.",
        discussion: """
            With --python (a Python with transformers), scripts/reference/tokenizer_bench.py measures transformers' \
            slow and fast CLIP tokenizers on the same folder and prompts, in rounds alternating with dbrun's, and \
            each figure shows its ratio to them.
            """)

    @Option(help: "A model or tokenizer folder.")
    var model = "models/clip-tokenizer"

    @Option(help: "A Python with transformers, to measure its CLIP tokenizers in the same run.")
    var python: String?

    @Option(help: "Alternating rounds (the best of each side is kept).")
    var rounds = 3

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    static let prompts = [
        "a photo of sks dog", "a photo of a dog in a bucket", "a sks dog wearing a red hat, studio lighting",
        "highly detailed portrait of a dog, 8k, trending on artstation", "A Dog On The Beach At Sunset!!",
        "an oil painting of sks dog in the style of van gogh", "a dog", "",
    ]

    /// Prompts of ten new eight-letter words each, from a fixed-seed generator: every word misses the BPE cache.
    static func freshPrompts(_ count: Int) -> [String] {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let letters = Array("abcdefghijklmnopqrstuvwxyz")
        return (0..<count).map { _ in
            (0..<10).map { _ in
                String((0..<8).map { _ in
                    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                    return letters[Int(state >> 33) % 26]
                })
            }.joined(separator: " ")
        }
    }

    func validate() throws {
        guard rounds > 0 else { throw ValidationError("--rounds must be positive") }
    }

    func run() throws {
        let folder: String
        do {
            folder = try CLIPTokenizer.tokenizerFolder(in: model)
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let repeats = 500, fresh = Self.freshPrompts(2000)
        let reference = try python.map { try ReferenceScript(python: $0, name: "tokenizer_bench.py") }
        let promptFile = FileManager.default.temporaryDirectory.appendingPathComponent("dbrun-prompts-\(getpid()).json").path
        defer { try? FileManager.default.removeItem(atPath: promptFile) }
        if reference != nil {
            let data = try JSONSerialization.data(withJSONObject: ["prompts": Self.prompts, "repeats": repeats, "fresh": fresh])
            try data.write(to: URL(fileURLWithPath: promptFile))
        }

        var ours: [String: Double] = [:], theirs: [String: [String: Double]] = [:]
        func keepBest(_ into: inout [String: Double], _ key: String, _ value: Double) {
            into[key] = min(into[key] ?? .infinity, value)
        }
        for _ in 0..<rounds {
            for (key, seconds) in try measureOnce(folder: folder, repeats: repeats, fresh: fresh) { keepBest(&ours, key, seconds) }
            guard let reference else { continue }
            let result = try reference.run([folder, "--prompts", promptFile])
            for (tool, figures) in result {
                guard let figures = figures as? [String: Double] else { continue }
                for (key, seconds) in figures { keepBest(&theirs[tool, default: [:]], key, seconds) }
            }
        }

        let encodes = Double(repeats * Self.prompts.count), words = Double(fresh.count * 10)
        var figures: [BenchFigure] = []
        let tools = theirs.keys.sorted().reversed()  // "transformers-slow", then "transformers-fast"
        func add(_ name: String, _ key: String, unit: String, _ scale: @escaping (Double) -> Double, better: BenchFigure.Better) {
            let value = scale(ours[key]!)
            if tools.isEmpty { figures.append(BenchFigure(name: name, value: value, unit: unit, better: better)) }
            for tool in tools {
                figures.append(BenchFigure(name: name, value: value, unit: unit,
                                           reference: theirs[tool]?[key].map { (tool, scale($0)) }, better: better))
            }
        }
        add("vocabulary load", "load", unit: "ms", { $0 * 1000 }, better: .lower)
        add("encode, cached words", "cached", unit: "prompts/s", { encodes / $0 }, better: .higher)
        add("encode, new words", "fresh", unit: "words/s", { words / $0 }, better: .higher)
        printFigures("tokenizer", figures, json: json, notes: json || python != nil ? [] : [
            "absolute figures only: --python PY (with transformers) sets them against transformers' tokenizers"])
    }

    /// Seconds for: loading the vocabulary, encoding the prompts `repeats` times (cache warm), encoding `fresh`.
    private func measureOnce(folder: String, repeats: Int, fresh: [String]) throws -> [String: Double] {
        var vocabulary: CLIPVocabulary?
        let load = try measureSeconds { vocabulary = try CLIPVocabulary(folder: folder) }
        let configuration = try CLIPTokenizerConfiguration(folder: folder)
        let warm = try CLIPTokenizer(vocabulary: vocabulary!, configuration: configuration)
        for prompt in Self.prompts { _ = warm.encode(prompt) }
        let cached = measureSeconds { for _ in 0..<repeats { for prompt in Self.prompts { _ = warm.encode(prompt) } } }
        let cold = try CLIPTokenizer(vocabulary: vocabulary!, configuration: configuration)
        let freshTime = measureSeconds { for prompt in fresh { _ = cold.encode(prompt) } }
        return ["load": load, "cached": cached, "fresh": freshTime]
    }
}
