import Foundation
import Testing
import TestSupport

/// The contract for long stages: `kill -9` in the middle of a training stage, run again, and the stage
/// resumes from its last checkpoint and publishes the same bytes as a run that was never interrupted.
@Suite struct TrainingResumeEndToEndTests {
    static let pipeline = """
    version: 1
    name: resume
    seed: 3
    stages:
      vae:
        kind: train-vae
        with:
          config: {block_out_channels: [8, 8, 8], down_block_types: [DownEncoderBlock2D, DownEncoderBlock2D, DownEncoderBlock2D],
                   up_block_types: [UpDecoderBlock2D, UpDecoderBlock2D, UpDecoderBlock2D], layers_per_block: 1,
                   norm_num_groups: 4, latent_channels: 4, sample_size: 16}
          crop_size: 16
          train_batch_size: 2
          max_train_steps: 300
          checkpointing_steps: 20
          use_ema: true
          ema_decay: 0.99
    """

    /// Every file under `folder`, by relative path.
    static func contents(_ folder: URL) throws -> [String: Data] {
        var found: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey])!
        for case let url as URL in enumerator where (try url.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true {
            found[String(url.path.dropFirst(folder.path.count))] = try Data(contentsOf: url)
        }
        return found
    }

    /// Runs `p.yaml` in `folder`, kills it with SIGKILL once the stage's log shows step `killAt` of `steps`, runs it
    /// again to the end, and checks that the rerun resumed from a checkpoint.
    static func killAndRerun(_ folder: TemporaryFolder, log: String, killAt: Int, steps: Int) throws {
        let environment = ["DBRUN_THREADS": "2"]
        let (process, out, err) = try DBRunProcess.start(["p.yaml"], in: folder.url, environment: environment)
        #expect(waitUntil(timeout: 120) { folder.read(log)?.contains("step \(killAt)/\(steps)") == true })
        kill(process.processIdentifier, SIGKILL)
        _ = DBRunProcess.finish(process, out, err)

        let rerun = try DBRunProcess.run(["p.yaml"], in: folder.url, environment: environment)
        #expect(rerun.status == 0, "\(rerun.output)")
        let lines = folder.read(log) ?? ""
        #expect(lines.contains("resumed from checkpoint-"), "\(lines)")
        #expect(!lines.contains(String(format: "resumed from checkpoint-%06d", steps)), "the kill came after the last step: nothing was resumed")
    }

    /// Runs `p.yaml` in `folder` uninterrupted.
    static func runUninterrupted(_ folder: TemporaryFolder) throws {
        let uninterrupted = try DBRunProcess.run(["p.yaml"], in: folder.url, environment: ["DBRUN_THREADS": "2"])
        #expect(uninterrupted.status == 0, "\(uninterrupted.output)")
    }

    @Test func killNineDuringTrainingThenRerunGivesTheUninterruptedBytes() throws {
        let reference = try TemporaryFolder("dbrun-train-ref")
        try reference.write("p.yaml", Self.pipeline)
        try Self.runUninterrupted(reference)

        let folder = try TemporaryFolder("dbrun-train-kill")
        try folder.write("p.yaml", Self.pipeline)
        try Self.killAndRerun(folder, log: ".dbrun/logs/resume/vae.log", killAt: 60, steps: 300)
        let model = "out/resume/vae/model"
        let expected = try Self.contents(reference.url.appendingPathComponent(model))
        #expect(!expected.isEmpty)
        #expect(try Self.contents(folder.url.appendingPathComponent(model)) == expected)
        // Once the record is written the work folder is gone.
        #expect((try? FileManager.default.contentsOfDirectory(atPath: folder.url.appendingPathComponent(".dbrun/resume").path))?.isEmpty ?? true)
    }
}
