import DreamBooth
import Foundation
import Pipeline
import Testing
import TestSupport

/// `compare` puts evaluate stages' metrics in one table, rows in the order written, the first one's baseline last.
struct CompareKindTests {
    @Test func rowsInOrderWithTheFirstBaselineLast() throws {
        let folder = try TemporaryFolder("dbrun-compare")
        try folder.write("a.json", #"{"dino": 0.5, "clip_i": 0.6, "clip_t": 0.3, "pres": 0.1, "div": 0.2, "real": {"dino": 0.9, "clip_i": 0.8, "div": 0.1}, "baseline": {"dino": 0.2, "clip_i": 0.3, "clip_t": 0.31, "pres": 0.0, "div": 0.25}}"#)
        try folder.write("b.json", #"{"dino": 0.4, "clip_i": 0.5, "clip_t": 0.29, "div": 0.3}"#)
        let file = try folder.write("p.yaml", """
        version: 1
        name: cmp
        stages:
          table:
            kind: compare
            with:
              metrics: {"with prior": a.json, "no prior": b.json}
        """)
        let loaded = try PipelineLoader.load(file: file.path, kinds: DreamBoothKinds.registry)
        let summary = Runner(pipeline: loaded, store: Store(root: folder.url.appendingPathComponent(".dbrun")),
                             display: ProgressDisplay(quiet: true), dbrunVersion: "test").run(Runner.Options())
        #expect(summary.error == nil, "\(String(describing: summary.error))")
        let table = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: folder.url.appendingPathComponent("out/cmp/table/comparison/comparison.json"))) as? [String: Any])
        let rows = try #require(table["rows"] as? [[String: Any]])
        #expect(rows.map { $0["label"] as? String } == ["with prior", "no prior", "un-tuned base (as in 'with prior')"])
        #expect(rows[1]["dino"] as? Double == 0.4 && rows[2]["dino"] as? Double == 0.2)
        #expect((table["real"] as? [String: Double])?["dino"] == 0.9)
        let page = try #require(folder.read("out/cmp/table/comparison/comparison.html"))
        #expect(page.contains("no prior") && page.contains("0.400"))

        // Another input byte, another key.
        try folder.write("b.json", #"{"dino": 0.45, "clip_i": 0.5, "clip_t": 0.29, "div": 0.3}"#)
        let again = Runner(pipeline: try PipelineLoader.load(file: file.path, kinds: DreamBoothKinds.registry),
                           store: Store(root: folder.url.appendingPathComponent(".dbrun")),
                           display: ProgressDisplay(quiet: true), dbrunVersion: "test").run(Runner.Options())
        #expect(again.outcomes.map(\.outcome) == [.ran])
    }
}
