import Foundation
import Imaging
import Pipeline

/// report.html for one DreamBooth run, with its images beside it (assets/), so the folder opens offline: the subject's
/// photos, each prompt's samples beside the un-tuned base's, the metrics against baseline and real photos with the
/// paper's claims checked, the training curves, the time and key of every stage, and the resolved pipeline.
///
/// Everything comes from the stage's inputs except the upstream stages' run times, which the report shows but the
/// evaluate stage's key does not hold (a cached report keeps the times of the run that made it).
struct DreamBoothReport {
    let job: StageJob
    let result: EvaluationResult
    let photos: [Image]
    let samples: SampleSet
    let baseline: SampleSet?
    let srBaseline: SampleSet?
    let trainingLogs: [URL]

    func write(to folder: URL) throws {
        let assets = folder.appendingPathComponent("assets")
        try FileManager.default.createDirectory(at: assets, withIntermediateDirectories: true)
        func save(_ image: Image, _ name: String) throws -> String {
            try PNGEncoder.write(image, to: assets.appendingPathComponent(name).path)
            return "assets/\(name)"
        }

        var html = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>\(HTML.escape(job.pipeline.name)) — DreamBooth report</title>
        <style>\(HTML.style)</style></head><body>
        <h1>\(HTML.escape(job.pipeline.name)): DreamBooth report</h1>
        <p class="muted">identifier <b>\(HTML.escape(result.identifier))</b> · \(photos.count) subject photos · \(result.samples) samples · seed \(job.seed) · written by dbrun's <code>evaluate</code> stage</p>

        """
        html += section("Metrics", metricsTable() + checksList())
        html += section("Subject photos", try photos.enumerated().map { i, photo in
            HTML.figure(try save(photo.resizedShortSide(to: 128), String(format: "photo-%02d.png", i)), caption: "photo \(i + 1)")
        }.joined())
        html += section("Samples", try samplesSection(save))
        html += section("Training", try curves(assets))
        html += section("Stages", stagesTable())
        html += section("Resolved pipeline", "<pre>\(HTML.escape(resolvedPipeline()))</pre>")
        html += "</body></html>\n"
        try Data(html.utf8).write(to: folder.appendingPathComponent("report.html"))
    }

    /// Every sample grid is drawn at one width, so low- and high-resolution grids compare side by side.
    static let gridWidth = 320

    func section(_ title: String, _ body: String) -> String { "<h2>\(HTML.escape(title))</h2>\n\(body)\n" }

    func metricsTable() -> String {
        func row(_ name: String, _ m: DreamBoothMetrics) -> [String] {
            [HTML.escape(name)] + [m.dino, m.clip_i, m.clip_t, m.pres, m.div].map { "<span class=\"num\">\(HTML.number($0))</span>" }
        }
        var rows = [row("DreamBooth (fine-tuned)", result.tuned)]
        if let baseline = result.baseline { rows.append(row("un-tuned base, same prompts", baseline)) }
        rows.append(["real photos (among themselves)", HTML.number(result.real.dino), HTML.number(result.real.clip_i), "–", "–",
                     HTML.number(result.real.div)])
        var text = HTML.table(header: ["", "DINO ↑", "CLIP-I ↑", "CLIP-T ↑", "PRES ↓", "DIV ↑"], rows: rows)
        if let sr = result.sr {
            text += HTML.table(header: ["upscaled samples (\(sr.images))", "DINO ↑"],
                               rows: [["fine-tuned upscaler", HTML.number(sr.dino)], ["un-tuned upscaler", HTML.number(sr.dino_without_sr_finetune)]])
        }
        return text + "<p class=\"muted\">DINO: the identity encoder's mean cosine, samples × photos. CLIP-T: prompts without the "
            + "identifier. PRES: class-prompt samples × photos. DIV: \(HTML.escape(DreamBoothMetrics.divMeasure)).</p>"
    }

    func checksList() -> String {
        guard !result.checks.isEmpty else { return "" }
        return "<ul>" + result.checks.map { check in
            "<li><span class=\"\(check.passed ? "pass" : "fail")\">\(check.passed ? "✓" : "✗")</span> \(HTML.escape(check.claim)): \(HTML.escape(check.detail))</li>"
        }.joined() + "</ul>"
    }

    func samplesSection(_ save: (Image, String) throws -> String) throws -> String {
        try samples.prompts.enumerated().map { n, entry in
            var figures = [HTML.figure(try save(Grid.make(entry.images), String(format: "p%02d.png", n)), caption: "fine-tuned: \(entry.prompt)", width: Self.gridWidth)]
            if let other = baseline?.prompts[n] {
                figures.append(HTML.figure(try save(Grid.make(other.images), String(format: "p%02d-baseline.png", n)),
                                           caption: "un-tuned base: \(other.prompt)", width: Self.gridWidth))
            }
            if let other = srBaseline?.prompts.first(where: { $0.prompt == entry.prompt }), entry.lowres != nil {
                figures.append(HTML.figure(try save(Grid.make(other.images), String(format: "p%02d-sr-baseline.png", n)),
                                           caption: "un-tuned upscaler: \(other.prompt)", width: Self.gridWidth))
            }
            return "<div>" + figures.joined() + "</div>"
        }.joined(separator: "\n")
    }

    func curves(_ assets: URL) throws -> String {
        let shown = try trainingLogs.enumerated().compactMap { i, logs -> String? in
            let curve = logs.appendingPathComponent("loss_curve.png")
            guard FileManager.default.fileExists(atPath: curve.path) else { return nil }
            let name = "curve-\(i)-\(logs.deletingLastPathComponent().lastPathComponent).png"
            try FileManager.default.copyItem(at: curve, to: assets.appendingPathComponent(name))
            return HTML.figure("assets/\(name)", caption: "loss: \(logs.deletingLastPathComponent().lastPathComponent)")
        }
        return shown.isEmpty ? "<p class=\"muted\">no training logs given</p>" : shown.joined()
    }

    func stagesTable() -> String {
        let rows = job.pipeline.stages.compactMap { stage -> [String]? in
            guard let record = job.upstreamRecords[stage.name] else { return nil }
            return [HTML.escape(stage.name), HTML.escape(stage.kind), "<code>\(record.key.prefix(12))</code>",
                    String(format: "%.1f s", record.run.seconds),
                    HTML.escape(StageRecord.describe(figures: record.figures ?? [:]))]
        }
        let total = job.upstreamRecords.values.reduce(0) { $0 + $1.run.seconds }
        return HTML.table(header: ["stage", "kind", "key", "time", "figures"], rows: rows)
            + "<p class=\"muted\">\(String(format: "%.1f", total)) s in the stages above (as first run; cached stages keep their first run's time); this stage's key <code>\(job.key.prefix(12))</code></p>"
    }

    /// Every stage this one depends on and itself, with `with:` as the run saw it (references resolved).
    func resolvedPipeline() -> String {
        let shown = job.pipeline.stages.filter { job.upstreamRecords[$0.name] != nil || $0.name == job.stage.name }
        return shown.map { stage in
            "\(stage.name):\n  kind: \(stage.kind)\n  with:\n" + lines(resolve(stage.with.plain, at: stage.location), indent: 4)
        }.joined(separator: "\n")
    }

    func resolve(_ value: PlainValue, at location: SourceLocation) -> PlainValue {
        switch value {
        case .string(let s):
            return .string(Template(s, at: location).render { ref in
                job.upstreamRecords[ref.stage]?.outputs[ref.output]?.referenceValue.interpolated ?? "${\(ref.stage).\(ref.output)}"
            })
        case .array(let items): return .array(items.map { resolve($0, at: location) })
        case .object(let fields): return .object(fields.mapValues { resolve($0, at: location) })
        default: return value
        }
    }

    func lines(_ value: PlainValue, indent: Int) -> String {
        let pad = String(repeating: " ", count: indent)
        guard case .object(let fields) = value else { return pad + value.interpolated + "\n" }
        return fields.keys.sorted().map { key in
            switch fields[key]! {
            case .array(let items): return "\(pad)\(key):\n" + items.map { "\(pad)  - \($0.interpolated)\n" }.joined()
            case .object: return "\(pad)\(key):\n" + lines(fields[key]!, indent: indent + 2)
            default: return "\(pad)\(key): \(fields[key]!.interpolated)\n"
            }
        }.joined()
    }
}
