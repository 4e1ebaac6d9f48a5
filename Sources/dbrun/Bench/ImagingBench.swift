import ArgumentParser
import Foundation
import Imaging
import Pipeline
import Tensor

/// `dbrun bench imaging`: decode + resize throughput on a 4032×3024 JPEG (a 12 MP phone photo), set against
/// Pillow's on the same bytes in the same run with `--pillow PY` (`scripts/reference/imaging_bench.py`, which runs
/// the same steps, in rounds alternating with dbrun's so both see the same machine load).
struct ImagingBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "imaging",
        abstract: "Measure JPEG decode and training resize on a 12-megapixel photo.",
        discussion: """
            Without --input, a synthetic 4032×3024 photo-like JPEG (quality 90, 4:2:0) is generated; \
            --save-input writes it. Steps: decode (to full-size float RGB), resize_8bit and resize_float (that \
            image to the short side, bilinear, PIL-exact bytes or floats), decode_resize (the training path: decode \
            and resize in bytes). Times are the best and median of --runs in each of --rounds, in milliseconds; \
            with --pillow, each step's best is set against Pillow's best.
            """
    )

    @Option(help: "A JPEG or PNG to measure instead of the generated photo.")
    var input: String?

    @Option(help: "Write the generated JPEG here.")
    var saveInput: String?

    @Option(help: "A Python with Pillow and numpy, to measure Pillow on the same file in the same run.")
    var pillow: String?

    @Option(help: "Timed repetitions of each step per round.")
    var runs = 5

    @Option(help: "Rounds (alternating with Pillow's when --pillow is given).")
    var rounds = 1

    @Option(help: "Short side after resizing (the training resolution).")
    var size = 512

    @Option(help: "Threads for resizing (default: the engine's budget; decoding is single-threaded, as in libjpeg).")
    var threads: Int?

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    static let steps = ["decode", "resize_8bit", "resize_float", "decode_resize"]

    func validate() throws {
        guard runs > 0, rounds > 0, size > 0, (threads ?? 1) > 0 else {
            throw ValidationError("--runs, --rounds, --size and --threads must be positive")
        }
    }

    func run() throws {
        if let threads { BLAS.setThreadCount(threads) }
        let threads = BLAS.threadCount
        let reference = try pillow.map { try ReferenceScript(python: $0, name: "imaging_bench.py") }
        let data: Data
        var inputPath = input
        if let input {
            guard let bytes = FileManager.default.contents(atPath: input) else {
                FileHandle.standardError.write(Data("\(input): cannot read\n".utf8))
                throw ExitCode(2)
            }
            data = bytes
        } else {
            data = try Self.syntheticPhoto()
            if let saveInput { try data.write(to: URL(fileURLWithPath: saveInput)) }
            if reference != nil && saveInput == nil {
                inputPath = FileManager.default.temporaryDirectory.appendingPathComponent("dbrun-photo-\(getpid()).jpg").path
                try data.write(to: URL(fileURLWithPath: inputPath!))
            } else {
                inputPath = saveInput
            }
        }
        defer { if input == nil && saveInput == nil, let inputPath { try? FileManager.default.removeItem(atPath: inputPath) } }
        let decoded: DecodedImage
        do {
            decoded = try ImageDecoder.decode(data, path: input ?? "<generated>")
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(2)
        }
        let image = decoded.image
        let (w, h) = Image.shortSideSize(width: image.width, height: image.height, size: size)

        var times: [String: [Double]] = [:], pillowBest: [String: Double] = [:], pillowVersion = ""
        func measure(_ name: String, _ body: () throws -> Void) throws {
            for _ in 0..<runs {
                try Interruption.shared.check()
                let start = DispatchTime.now().uptimeNanoseconds
                try body()
                times[name, default: []].append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            }
        }
        for _ in 0..<rounds {
            try measure("decode") { _ = try ImageDecoder.decode(data) }
            try measure("resize_8bit") { _ = image.resized(width: w, height: h, filter: .bilinear, precision: .eightBit) }
            try measure("resize_float") { _ = image.resized(width: w, height: h, filter: .bilinear, precision: .float) }
            // The training path: decode and resize in bytes, floats only at the output size.
            try measure("decode_resize") { _ = try ImageDecoder.decode(data, shortSide: size, filter: .bilinear) }
            guard let reference, let inputPath else { continue }
            let result = try reference.run([inputPath, "--runs", "\(runs)", "--size", "\(size)"])
            pillowVersion = result["tool"] as? String ?? "pillow"
            for step in Self.steps {
                guard let best = (result[step + "_ms"] as? [String: Double])?["best"] else { continue }
                pillowBest[step] = min(pillowBest[step] ?? .infinity, best)
            }
        }
        let sorted = times.mapValues { $0.sorted() }

        if json {
            var object: [String: Any] = [
                "tool": "dbrun", "image": "\(image.width)x\(image.height)", "output": "\(w)x\(h)",
                "bytes": data.count, "runs": runs, "rounds": rounds, "threads": threads,
            ]
            for step in Self.steps {
                let t = sorted[step]!
                var entry: [String: Any] = ["best": round3(t[0]), "median": round3(t[t.count / 2])]
                if let theirs = pillowBest[step] { entry["pillow_best"] = theirs; entry["speedup"] = round3(theirs / t[0]) }
                object[step + "_ms"] = entry
            }
            if reference != nil { object["reference"] = pillowVersion }
            let out = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: out, as: UTF8.self))
        } else {
            print("imaging: \(image.width)×\(image.height) JPEG (\(data.count) bytes) → \(w)×\(h) bilinear, "
                  + "\(rounds)×\(runs) runs, \(threads) thread(s)" + (reference == nil ? "" : ", against \(pillowVersion) (1 thread)"))
            print("step".padding(toLength: 16, withPad: " ", startingAt: 0) + "best ms   median ms"
                  + (reference == nil ? "" : "   pillow ms   speedup"))
            for step in Self.steps {
                let t = sorted[step]!
                var line = step.padding(toLength: 16, withPad: " ", startingAt: 0)
                    + String(format: "%7.1f   %9.1f", t[0], t[t.count / 2])
                if let theirs = pillowBest[step] { line += String(format: "   %9.1f   %6.2f×", theirs, theirs / t[0]) }
                print(line)
            }
            if reference == nil { print("absolute times only: --pillow PY (with Pillow and numpy) sets them against Pillow's") }
        }
    }

    private func round3(_ v: Double) -> Double { (v * 1000).rounded() / 1000 }

    /// A deterministic 4032×3024 photo-like JPEG: smooth gradients, shapes and sensor-like noise, so the
    /// entropy decoder has realistic work (a flat image would decode unrealistically fast).
    static func syntheticPhoto(width: Int = 4032, height: Int = 3024) throws -> Data {
        var rng = SplitMix64(seed: 4032)
        var bytes = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            let fy = Float(y) / Float(height)
            for x in 0..<width {
                let fx = Float(x) / Float(width)
                let noise = Float(Int(rng.next() & 31) - 16)
                let dx = fx - 0.55, dy = fy - 0.45
                let inDisc = dx * dx + dy * dy < 0.04
                let r: Float = inDisc ? 200 : 60 + 150 * fx
                let g: Float = inDisc ? 120 : 80 + 120 * fy
                let b: Float = 120 + 80 * sin(fx * 40) * cos(fy * 30)
                let i = (y * width + x) * 3
                bytes[i] = UInt8(max(0, min(255, r + noise)))
                bytes[i + 1] = UInt8(max(0, min(255, g + noise)))
                bytes[i + 2] = UInt8(max(0, min(255, b + noise)))
            }
        }
        return try JPEGEncoder.encode(Image(interleaved8Bit: bytes, width: width, height: height, channels: 3), quality: 90)
    }
}
