import DiffusionTestSupport
import Foundation
import Imaging
import Testing
import TestSupport

/// `kill -9` in the middle of `finetune-base`, run again, and the fine-tune resumes from its last checkpoint and
/// publishes the same bytes (model, loss curve, validation grids) as a run that was never interrupted.
@Suite struct DreamBoothResumeEndToEndTests {
    static let pipeline = """
    version: 1
    name: db
    seed: 5
    stages:
      finetune_base:
        kind: finetune-base
        with:
          model: sd
          instance_data_dir: photos
          instance_prompt: a photo of zwx dog
          train_batch_size: 1
          max_train_steps: 240
          learning_rate: 1.0e-4
          checkpointing_steps: 20
          validation_prompt: a photo of zwx dog
          validation_steps: 80
          num_validation_images: 1
    """

    static func workspace(_ prefix: String) throws -> TemporaryFolder {
        let folder = try TemporaryFolder(prefix)
        try TinyStableDiffusion.write(to: folder.url.appendingPathComponent("sd"))
        let photos = folder.url.appendingPathComponent("photos")
        try FileManager.default.createDirectory(at: photos, withIntermediateDirectories: true)
        for i in 0..<2 {
            let pixels = (0..<(3 * 24 * 20)).map { Float(($0 * (7 + i)) % 23) / 22 }
            try PNGEncoder.write(Image(width: 24, height: 20, pixels: pixels), to: photos.appendingPathComponent("\(i).png").path)
        }
        try folder.write("p.yaml", pipeline)
        return folder
    }

    @Test func killNineDuringTheFinetuneThenRerunGivesTheUninterruptedBytes() throws {
        let reference = try Self.workspace("dbrun-db-ref")
        try TrainingResumeEndToEndTests.runUninterrupted(reference)
        let folder = try Self.workspace("dbrun-db-kill")
        try TrainingResumeEndToEndTests.killAndRerun(folder, log: ".dbrun/logs/db/finetune_base.log", killAt: 100, steps: 240)
        let stage = "out/db/finetune_base"
        let expected = try TrainingResumeEndToEndTests.contents(reference.url.appendingPathComponent(stage))
        #expect(expected.keys.contains("/model/unet/diffusion_pytorch_model.safetensors"))
        #expect(expected.keys.contains("/logs/validation/step-000080.png"))
        #expect(try TrainingResumeEndToEndTests.contents(folder.url.appendingPathComponent(stage)) == expected)
    }
}
