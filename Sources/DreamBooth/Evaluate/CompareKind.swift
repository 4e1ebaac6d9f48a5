import Foundation
import Pipeline
import Pretraining

/// `kind: compare` — one table over several `evaluate` stages' metrics.json, as the paper's ablation tables put
/// them side by side (prior preservation on and off, the class noun right, wrong or missing, the upscaler fine-tune on
/// and off). `metrics` maps a row label to a metrics.json, in the order written; the first one's un-tuned baseline,
/// when it has one, is a last row.
///
/// Output `table`: comparison.json (each row's metrics, and the real photos' from the first) and comparison.html.
struct CompareKind: DreamBoothKind {
    let name = "compare"
    let version = 1
    let pathKeys: [String] = []

    func declareOutputs(of stage: StageSpec, in pipeline: PipelineSpec) throws -> [OutputDeclaration] {
        [OutputDeclaration(name: "table", form: .published(fileName: "comparison", isFolder: true))]
    }

    func identity(of stage: StageSpec, in pipeline: PipelineSpec) throws -> StageIdentity {
        StageIdentity(parameters: stage.with.plain,
                      inputs: (stage.with["metrics"]?.entries ?? []).compactMap { StageParameters.inputPath($0.value) })
    }

    struct Row: Codable {
        var label: String
        var dino: Double?
        var clip_i: Double?
        var clip_t: Double?
        var pres: Double?
        var div: Double?
        var sr_dino: Double?
        var sr_dino_without_finetune: Double?
    }

    func run(_ job: StageJob) throws -> [String: PlainValue] {
        let entries = job.stage.with["metrics"]?.entries ?? []
        guard !entries.isEmpty else {
            throw PipelineError.invalid(at: job.stage.location, "stage '\(job.stage.name)': metrics must name at least one metrics.json")
        }
        var rows: [Row] = []
        var real: [String: Double]?
        var baseline: Row?
        for entry in entries {
            let url = job.pipeline.resolve(job.render(entry.value))
            let object: [String: Any]
            do {
                object = try (JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any]) ?? [:]
            } catch {
                throw PipelineError.invalid(at: SourceLocation(file: url.path), "stage '\(job.stage.name)': \(entry.key): not a metrics.json (\(error))")
            }
            let sr = object["sr"] as? [String: Any]
            rows.append(Row(label: entry.key, dino: object["dino"] as? Double, clip_i: object["clip_i"] as? Double,
                            clip_t: object["clip_t"] as? Double, pres: object["pres"] as? Double, div: object["div"] as? Double,
                            sr_dino: sr?["dino"] as? Double, sr_dino_without_finetune: sr?["dino_without_sr_finetune"] as? Double))
            if rows.count == 1 {
                real = (object["real"] as? [String: Any])?.compactMapValues { $0 as? Double }
                baseline = (object["baseline"] as? [String: Any]).map { b in
                    Row(label: "un-tuned base (as in '\(entry.key)')", dino: b["dino"] as? Double, clip_i: b["clip_i"] as? Double,
                        clip_t: b["clip_t"] as? Double, pres: b["pres"] as? Double, div: b["div"] as? Double)
                }
            }
        }
        if let baseline { rows.append(baseline) }
        let folder = job.outputURL("table")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        struct Table: Codable { var rows: [Row]; var real: [String: Double]? }
        try encoder.encode(Table(rows: rows, real: real)).write(to: folder.appendingPathComponent("comparison.json"))

        var body = rows.map { row in
            [HTML.escape(row.label)] + [row.dino, row.clip_i, row.clip_t, row.pres, row.div, row.sr_dino, row.sr_dino_without_finetune]
                .map { HTML.number($0) }
        }
        if let real { body.append(["real photos", HTML.number(real["dino"]), HTML.number(real["clip_i"]), "–", "–", HTML.number(real["div"]), "–", "–"]) }
        let html = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>\(HTML.escape(job.pipeline.name)) — comparison</title>
        <style>\(HTML.style)</style></head><body>
        <h1>\(HTML.escape(job.pipeline.name)): comparison</h1>
        \(HTML.table(header: ["", "DINO ↑", "CLIP-I ↑", "CLIP-T ↑", "PRES ↓", "DIV ↑", "DINO upscaled ↑", "… un-tuned upscaler"], rows: body))
        <p class="muted">Each row is one evaluate stage's metrics.json; the metrics are defined in its report.</p>
        </body></html>

        """
        try Data(html.utf8).write(to: folder.appendingPathComponent("comparison.html"))
        return [:]
    }
}
