import ArgumentParser
import Diffusion
import Foundation
import Tensor

/// One measured figure of a benchmark.
struct BenchFigure {
    let name: String
    let value: Double
    let unit: String
}

/// Prints figures as JSON (`--json`) or as an aligned table.
func printFigures(_ benchmark: String, _ figures: [BenchFigure], json: Bool) {
    if json {
        let items = figures.map { "{\"name\": \"\($0.name)\", \"value\": \(String(format: "%.6g", $0.value)), \"unit\": \"\($0.unit)\"}" }
        print("{\"benchmark\": \"\(benchmark)\", \"figures\": [" + items.joined(separator: ", ") + "]}")
    } else {
        let width = figures.map(\.name.count).max() ?? 0
        for figure in figures {
            print(figure.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
                + String(format: "%12.1f", figure.value) + "  " + figure.unit)
        }
    }
}

func measureSeconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

/// `dbrun bench tokenizer`: vocabulary load time and prompts per second, with the word cache warm and cold.
struct BenchTokenizerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenizer", abstract: "Measure CLIP tokenizer loading and throughput.")

    @Option(help: "A model or tokenizer folder.")
    var model = "models/clip-tokenizer"

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() throws {
        let folder: String
        var vocabulary: CLIPVocabulary?
        do {
            folder = try CLIPTokenizer.tokenizerFolder(in: model)
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let load = try measureSeconds { vocabulary = try CLIPVocabulary(folder: folder) }
        let configuration = try CLIPTokenizerConfiguration(folder: folder)
        let prompts = [
            "a photo of sks dog", "a photo of a dog in a bucket", "a sks dog wearing a red hat, studio lighting",
            "highly detailed portrait of a dog, 8k, trending on artstation", "A Dog On The Beach At Sunset!!",
            "an oil painting of sks dog in the style of van gogh", "a dog", "",
        ]
        let warm = try CLIPTokenizer(vocabulary: vocabulary!, configuration: configuration)
        for prompt in prompts { _ = warm.encode(prompt) }
        let rounds = 2000
        let warmTime = measureSeconds { for _ in 0..<rounds { for prompt in prompts { _ = warm.encode(prompt) } } }

        // Every word new: eight-letter words from a fixed-seed generator, ten per prompt.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let letters = Array("abcdefghijklmnopqrstuvwxyz")
        let fresh = (0..<2000).map { _ in
            (0..<10).map { _ in
                String((0..<8).map { _ in
                    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                    return letters[Int(state >> 33) % 26]
                })
            }.joined(separator: " ")
        }
        let cold = try CLIPTokenizer(vocabulary: vocabulary!, configuration: configuration)
        let coldTime = measureSeconds { for prompt in fresh { _ = cold.encode(prompt) } }
        printFigures("tokenizer", [
            BenchFigure(name: "vocabulary load", value: load * 1000, unit: "ms"),
            BenchFigure(name: "encode, cached words", value: Double(rounds * prompts.count) / warmTime, unit: "prompts/s"),
            BenchFigure(name: "encode, new words", value: Double(fresh.count * 10) / coldTime, unit: "words/s"),
        ], json: json)
    }
}

/// `dbrun bench safetensors`: writing, opening and converting a file of F32, F16 and BF16 tensors.
struct BenchSafeTensorsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "safetensors", abstract: "Measure safetensors writing, opening and conversion to Float32.")

    @Option(help: "Elements per tensor, in millions.")
    var millions = 16

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() throws {
        let n = millions * 1_000_000
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("dbrun-bench-\(getpid()).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let values = (0..<n).map { Float($0 % 4096) * 0.001 - 2 }
        var writer = SafeTensorsWriter(metadata: ["format": "pt"])
        try writer.add("f32", shape: [n], floats: values)
        try writer.add("f16", shape: [n], floats: values, as: .float16)
        try writer.add("bf16", shape: [n], floats: values, as: .bfloat16)
        let write = try measureSeconds { try writer.write(to: path) }
        var file: SafeTensorsFile?
        let open = try measureSeconds { file = try SafeTensorsFile(path: path) }
        var figures = [
            BenchFigure(name: "write (F32+F16+BF16)", value: Double(n * 8) / write / 1e6, unit: "MB/s"),
            BenchFigure(name: "open (mmap + header)", value: open * 1000, unit: "ms"),
        ]
        var out = [Float](repeating: 0, count: n)
        for name in ["f32", "f16", "bf16"] {
            try out.withUnsafeMutableBufferPointer { try file!.copyFloats(name, into: $0) }  // page the data in
            let time = try measureSeconds { try out.withUnsafeMutableBufferPointer { try file!.copyFloats(name, into: $0) } }
            figures.append(BenchFigure(name: "\(name) to Float32", value: Double(n) / time / 1e6, unit: "M elements/s"))
        }
        var half = [UInt8](repeating: 0, count: 2 * n)
        let narrow = values.withUnsafeBufferPointer { source in
            half.withUnsafeMutableBytes { target in
                measureSeconds { HalfPrecision.convertFloatToFloat16(source.baseAddress!, count: n, into: target.baseAddress!) }
            }
        }
        figures.append(BenchFigure(name: "Float32 to F16", value: Double(n) / narrow / 1e6, unit: "M elements/s"))
        printFigures("safetensors", figures, json: json)
    }
}
