import Diffusion
import Foundation
import Imaging
import Pipeline
import Pretraining
import Tensor
import Training

/// `kind: finetune-base` — DreamBooth on the base text-to-image model: the subject's photos with the instance
/// prompt ("a photo of [V] dog") and, with prior preservation, the class images with the class prompt, weighted
/// by `prior_loss_weight`. Full fine-tune or LoRA (`use_lora`), optionally training the text encoder too; options
/// under the names of diffusers' `train_dreambooth.py` / `train_dreambooth_lora.py`. Checkpoints into its work
/// folder, so a killed stage resumes and ends with the same bytes.
///
/// Outputs: `model`, a diffusers StableDiffusionPipeline folder (LoRA merged in); `logs` (loss curve, validation
/// samples); with LoRA, `lora` (pytorch_lora_weights.safetensors for diffusers, lora_kohya.safetensors for A1111).
struct FinetuneBaseKind: DreamBoothKind {
    let name = "finetune-base"
    let version = 1
    let pathKeys = ["model", "instance_data_dir", "class_data_dir"]

    func declareOutputs(of stage: StageSpec, in pipeline: PipelineSpec) throws -> [OutputDeclaration] {
        var outputs = [OutputDeclaration(name: "model", form: .published(fileName: "model", isFolder: true)),
                       OutputDeclaration(name: "logs", form: .published(fileName: "logs", isFolder: true))]
        if stage.with["use_lora"]?.bool == true {
            outputs.append(OutputDeclaration(name: "lora", form: .published(fileName: "lora", isFolder: true)))
        }
        return outputs
    }

    func run(_ job: StageJob) throws -> [String: PlainValue] {
        let p = StageParameters(job.stage)
        let model = try StageModels.stableDiffusion(try p.path("model", in: job), stage: job.stage)
        let lora = try LoRAOptions(p)
        let trainTextEncoder = try p.bool("train_text_encoder", default: false)
        var generator = RandomGenerator(seed: try seed(job) ^ 0x10BA)

        let weights = try TrainableWeights(unet: model.unet, vae: model.vae, textEncoder: model.textEncoder,
                                           trainTextEncoder: trainTextEncoder, lora: lora, generator: &generator)
        model.unet.gradientCheckpointing = try p.bool("gradient_checkpointing", default: false)

        let batchSize = try p.int("train_batch_size", default: 4)
        let plan = try FinetunePlan.read(p, job: job, lora: lora != nil, batchSize: batchSize)
        let task = try DreamBoothTaskBuilder(p, job: job, model: model).task(
            batchSize: batchSize, dataSeed: plan.seed &+ 1, trainTextEncoder: trainTextEncoder, trainable: weights.parameters)
        let validation = try Validation(p, job: job, model: model)
        let dtype = try p.saveType()
        try TrainingStage.run(task, plan: plan, job: job, afterStep: { try validation.afterStep($0) }) { _ in
            try weights.finish(loraFolder: job.outputURL("lora"), as: dtype)
            try model.save(folder: job.outputURL("model").path, as: dtype)
        }
        try validation.publish(into: job.outputURL("logs"))
        return [:]
    }
}
