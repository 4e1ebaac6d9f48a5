import ArgumentParser
import Diffusion
import Foundation
import SafeTensors
import Tensor

/// `dbrun bench unet`: a UNet2DConditionModel train step (eps-prediction MSE + AdamW, lr 1e-4) and forward
/// throughput for the configs of ANCHORS.md, optionally against PyTorch/diffusers on the same config and thread
/// count in the same run (`--torch PYTHON` runs `scripts/reference/bench_unet_torch.py`).
struct UNetBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unet",
        abstract: "Measure UNet2DConditionModel training and forward speed, optionally against PyTorch."
    )

    enum Preset: String, ExpressibleByArgument, CaseIterable {
        case tinyLatent8 = "tiny-latent8", smallLatent16 = "small-latent16", sd15
    }

    @Option(help: "tiny-latent8, small-latent16 or sd15 (forward only, batch 1).") var config: Preset = .tinyLatent8
    @Option(help: "Timed steps (median reported).") var steps = 10
    @Option(help: "Untimed warm-up steps.") var warmup = 3
    @Option(help: "Threads for OpenBLAS and the engine (default: OpenBLAS's own setting).") var threads: Int?
    @Option(help: "Batch size (default 8; sd15: 1).") var batch: Int?
    @Option(help: "A Python with torch and diffusers: run the PyTorch reference on the same config.") var torch: String?
    @Option(help: "Rounds of dbrun then PyTorch, back to back: each round is reported, and the median ratios (a shared machine's speed drifts between minutes; a ratio within one round does not).")
    var rounds = 1
    @Flag(help: "Recompute activations during backward (gradient checkpointing).") var checkpointing = false
    @Flag(help: "Print JSON instead of a table.") var json = false
    @Flag(help: "Skip the train step (profiling the forward pass).") var forwardOnly = false
    @Flag(help: "Train only the attention projections (to_q/to_k/to_v/to_out of attn1/attn2), the weights LoRA adapts; with sd15 this times a train step too.")
    var attentionOnly = false
    @Option(help: "Train a LoRA of this rank on the attention projections (to_q/to_k/to_v/to_out.0), base frozen: DreamBooth-LoRA's step; with sd15 this times a train step too.")
    var lora: Int?
    @Option(help: ArgumentHelp("A folder from scripts/reference/check_unet_sd15.py: time and check its unet/ on its io.safetensors.",
                               valueName: "dir")) var reference: String?
    @Option(help: ArgumentHelp("Also write the benchmark's model as a diffusers folder (dir/unet) with one input and our output (dir/io.safetensors), for scripts/reference/check_unet_roundtrip.py.",
                               valueName: "dir")) var save: String?

    /// The UNet config and latent size of a preset, as ANCHORS.md states them.
    static func setup(_ preset: Preset) -> (config: UNet2DConditionConfig, latent: Int, context: Int, train: Bool) {
        var c = UNet2DConditionConfig()
        c.downBlockTypes = ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"]
        c.upBlockTypes = ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"]
        c.crossAttentionDim = .same(64)
        c.attentionHeadDim = .same(8)
        switch preset {
        case .tinyLatent8:
            c.sampleSize = 8; c.blockOutChannels = [32, 64, 64]; c.layersPerBlock = .same(1); c.normNumGroups = 16
            return (c, 8, 64, true)
        case .smallLatent16:
            c.sampleSize = 16; c.blockOutChannels = [64, 128, 128]; c.layersPerBlock = .same(2); c.normNumGroups = 32
            return (c, 16, 64, true)
        case .sd15:
            var sd = UNet2DConditionConfig()
            sd.sampleSize = 64; sd.crossAttentionDim = .same(768)
            return (sd, 64, 768, false)
        }
    }

    struct Report: Encodable {
        let config: String, threads: Int, batch: Int, parameters: Int
        let trainStepMs: Double?, trainImagesPerSecond: Double?
        let forwardMs: Double, forwardImagesPerSecond: Double
        let torch: TorchReport?
        let trainRatio: Double?, forwardRatio: Double?
        /// max |ours − diffusers| / max |diffusers| on the reference folder's input (with `--reference`).
        var referenceError: Double? = nil
    }

    struct TorchReport: Codable {
        let train_step_ms: Double?
        let forward_ms: Double
        let threads: Int
        let torch_version: String
    }

    func run() throws {
        if let threads { BLAS.setThreadCount(threads) }
        if let reference { return try runReference(folder: reference) }
        let (config, latent, contextDim, trainable) = Self.setup(self.config)
        let train = (trainable || attentionOnly || lora != nil) && !forwardOnly
        let batch = self.batch ?? (trainable ? 8 : 1)
        var generator = RandomGenerator(seed: 0)
        let model = try UNet2DConditionModel(config: config, generator: &generator)
        model.gradientCheckpointing = checkpointing
        if attentionOnly {
            model.setRequiresGrad(false)
            model.setRequiresGrad(true) { $0.contains(".attn1.to_") || $0.contains(".attn2.to_") }
        }
        var adapters: LoRAAdapters?
        if let lora {
            model.setRequiresGrad(false)
            adapters = try LoRA.inject(into: model, config: LoRAConfig(rank: lora, targetModules: LoRAConfig.unetAttentionTargets),
                                       generator: &generator)
        }
        let parameters = model.namedParameters().reduce(0) { $0 + $1.tensor.count }
        let sample = Tensor.randn([batch, config.inChannels, latent, latent], generator: &generator)
        let context = Tensor.randn([batch, 77, contextDim], generator: &generator)
        let noise = Tensor.randn(sample.shape, generator: &generator)
        let timesteps = (0..<batch).map { _ in Float(generator.nextInt(below: 1000)) }
        let progress = { (text: String) in if !json { FileHandle.standardError.write(Data("  \(text)\n".utf8)) } }

        if let save {
            try model.save(folder: save + "/unet")
            let out = try noGrad { try model.forward(sample: sample, timesteps: timesteps, encoderHiddenStates: context) }
            var writer = SafeTensorsWriter(metadata: ["format": "pt"])
            try writer.add("sample", sample)
            try writer.add("timesteps", Tensor(timesteps))
            try writer.add("encoder_hidden_states", context)
            try writer.add("out", out)
            try writer.write(to: save + "/io.safetensors")
            progress("wrote \(save)/unet and \(save)/io.safetensors")
        }
        let optimizer = train ? AdamW((adapters?.trainableParameters() ?? model.trainableParameters()).map(\.tensor),
                                      learningRate: 1e-4) : nil
        var reports: [Report] = []
        for round in 1...max(1, rounds) {
            if rounds > 1 { progress("round \(round) of \(rounds)") }
            var trainMs: Double?
            if let optimizer {
                trainMs = try Self.median(steps: steps, warmup: warmup) {
                    let prediction = try model.forward(sample: sample, timesteps: timesteps, encoderHiddenStates: context)
                    let loss = Tensor.mseLoss(prediction, noise)
                    loss.backward()
                    optimizer.step()
                    optimizer.zeroGrad()
                }
                progress("train step: \(String(format: "%.1f", trainMs!)) ms")
            }
            let forwardMs = try Self.median(steps: trainable ? steps : max(1, steps / 3), warmup: trainable ? warmup : 1) {
                _ = try noGrad { try model.forward(sample: sample, timesteps: timesteps, encoderHiddenStates: context) }
            }
            progress("forward: \(String(format: "%.1f", forwardMs)) ms")

            let reference = try torch.map { try runTorch(python: $0, batch: batch) }
            reports.append(Report(
                config: self.config.rawValue, threads: BLAS.threadCount, batch: batch, parameters: parameters,
                trainStepMs: trainMs, trainImagesPerSecond: trainMs.map { Double(batch) * 1000 / $0 },
                forwardMs: forwardMs, forwardImagesPerSecond: Double(batch) * 1000 / forwardMs, torch: reference,
                trainRatio: trainMs.flatMap { ours in reference?.train_step_ms.map { $0 / ours } },
                forwardRatio: reference.map { $0.forward_ms / forwardMs }))
        }
        let summary = Summary(rounds: reports)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let data = reports.count == 1 ? try encoder.encode(reports[0]) : try encoder.encode(summary)
            print(String(decoding: data, as: UTF8.self))
        } else {
            for report in reports { print(Self.table(report)) }
            if reports.count > 1 && torch != nil { print(summary.line) }
        }
    }

    /// Several rounds: each round's report and the medians of their ratios.
    struct Summary: Encodable {
        let rounds: [Report]
        let medianTrainRatio: Double?, medianForwardRatio: Double?

        init(rounds: [Report]) {
            self.rounds = rounds
            medianTrainRatio = UNetBench.median(rounds.compactMap(\.trainRatio))
            medianForwardRatio = UNetBench.median(rounds.compactMap(\.forwardRatio))
        }

        var line: String {
            func f(_ x: Double?) -> String { x.map { String(format: "%.2f×", $0) } ?? "–" }
            return "median of \(rounds.count) rounds: train \(f(medianTrainRatio)), forward \(f(medianForwardRatio))"
        }
    }

    /// Loads `folder/unet` (diffusers-written weights), runs `folder/io.safetensors`' input through it, and reports
    /// the error against diffusers' output with the forward time: the real-size parity check.
    func runReference(folder: String) throws {
        let start = DispatchTime.now().uptimeNanoseconds
        let model = try UNet2DConditionModel.load(folder: folder + "/unet")
        let loadMs = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
        let io = try SafeTensorsFile(path: folder + "/io.safetensors")
        let sample = try io.tensor("sample"), context = try io.tensor("encoder_hidden_states")
        let timesteps = try io.tensor("timesteps").scalars, expected = try io.tensor("out")
        var out = sample
        let forwardMs = try Self.median(steps: 1, warmup: 0) {
            out = try noGrad { try model.forward(sample: sample, timesteps: timesteps, encoderHiddenStates: context) }
        }
        let a = out.scalars, r = expected.scalars
        var diff: Float = 0, scale: Float = 0
        for i in 0..<r.count { diff = max(diff, abs(a[i] - r[i])); scale = max(scale, abs(r[i])) }
        let parameters = model.namedParameters().reduce(0) { $0 + $1.tensor.count }
        var report = Report(config: folder, threads: BLAS.threadCount, batch: sample.shape[0], parameters: parameters,
                            trainStepMs: nil, trainImagesPerSecond: nil, forwardMs: forwardMs,
                            forwardImagesPerSecond: Double(sample.shape[0]) * 1000 / forwardMs, torch: nil,
                            trainRatio: nil, forwardRatio: nil)
        report.referenceError = Double(diff / scale)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(Self.table(report))
            print(String(format: "load %.1f s; max |dbrun − diffusers| / max |diffusers| = %.3g", loadMs / 1000, diff / scale))
        }
    }

    /// Runs the PyTorch reference script on the same preset, batch, steps and thread count.
    func runTorch(python: String, batch: Int) throws -> TorchReport {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/reference/bench_unet_torch.py").path
        guard FileManager.default.fileExists(atPath: script) else {
            throw ValidationError("\(script): the PyTorch benchmark script is not there (run from a checkout)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script, "--config", config.rawValue, "--batch", "\(batch)", "--steps", "\(steps)",
                             "--warmup", "\(warmup)", "--threads", "\(BLAS.threadCount)"]
            + (checkpointing ? ["--checkpointing"] : []) + (forwardOnly ? ["--forward-only"] : [])
            + (attentionOnly ? ["--attention-only"] : []) + (lora.map { ["--lora", String($0)] } ?? [])
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ValidationError("\(script) failed with status \(process.terminationStatus)")
        }
        return try JSONDecoder().decode(TorchReport.self, from: data)
    }

    /// Median wall time of `steps` runs of `body` in milliseconds, after `warmup` untimed runs.
    static func median(steps: Int, warmup: Int, _ body: () throws -> Void) throws -> Double {
        for _ in 0..<warmup { try body() }
        var times: [Double] = []
        for _ in 0..<max(1, steps) {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        return median(times)!
    }

    /// The middle value (the mean of the two middle ones for an even count); nil for none.
    static func median(_ xs: [Double]) -> Double? {
        guard !xs.isEmpty else { return nil }
        let s = xs.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    static func table(_ r: Report) -> String {
        func f(_ x: Double?) -> String { x.map { String(format: "%.1f", $0) } ?? "–" }
        var lines = ["config \(r.config), batch \(r.batch), \(r.parameters) parameters, \(r.threads) threads",
                     "            dbrun ms   img/s   torch ms   ratio (torch/dbrun)"]
        if let t = r.trainStepMs {
            lines.append("train step  \(f(t).padding(toLength: 9, withPad: " ", startingAt: 0))  \(f(r.trainImagesPerSecond).padding(toLength: 6, withPad: " ", startingAt: 0))  \(f(r.torch?.train_step_ms).padding(toLength: 9, withPad: " ", startingAt: 0))  \(r.trainRatio.map { String(format: "%.2f×", $0) } ?? "–")")
        }
        lines.append("forward     \(f(r.forwardMs).padding(toLength: 9, withPad: " ", startingAt: 0))  \(f(r.forwardImagesPerSecond).padding(toLength: 6, withPad: " ", startingAt: 0))  \(f(r.torch?.forward_ms).padding(toLength: 9, withPad: " ", startingAt: 0))  \(r.forwardRatio.map { String(format: "%.2f×", $0) } ?? "–")")
        return lines.joined(separator: "\n")
    }
}
