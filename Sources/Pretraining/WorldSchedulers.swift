import Diffusion
import Foundation
import Pipeline

/// The noise schedules the world's models train under and the scheduler configs their folders ship: Stable
/// Diffusion 1.x's for the base (scaled-linear betas 0.00085–0.012, DDIM for sampling) and the x4 upscaler's for the
/// upscaler (scaled-linear 0.0001–0.02, v-prediction, and its DDPM `low_res_scheduler`).
enum WorldSchedulers {
    struct Training {
        var noise: NoiseSchedule
        var prediction: DenoisingObjective.Prediction
        /// `scheduler_config.json` of the folder's sampling scheduler.
        var sampling: String
    }

    static func ddim(betaStart: Double, betaEnd: Double, prediction: String) -> String {
        """
        {"_class_name": "DDIMScheduler", "_diffusers_version": "\(DiffusersFolder.diffusersVersion)", \
        "beta_start": \(betaStart), "beta_end": \(betaEnd), "beta_schedule": "scaled_linear", \
        "num_train_timesteps": 1000, "clip_sample": false, "set_alpha_to_one": false, "steps_offset": 1, \
        "prediction_type": "\(prediction)", "timestep_spacing": "leading"}
        """
    }

    /// The upscaler's `low_res_scheduler`, as SD's x4 upscaler ships it.
    static let lowResScheduler = """
        {"_class_name": "DDPMScheduler", "_diffusers_version": "\(DiffusersFolder.diffusersVersion)", \
        "beta_start": 0.0001, "beta_end": 0.02, "beta_schedule": "scaled_linear", "num_train_timesteps": 1000, \
        "clip_sample": true, "variance_type": "fixed_small"}
        """

    static func training(prediction: String, stage: StageSpec, upscaler: Bool = false) throws -> Training {
        guard let kind = DenoisingObjective.Prediction(rawValue: prediction) else {
            throw PipelineError.invalid(at: stage.with["prediction_type"]?.location ?? stage.location,
                                        "stage '\(stage.name)': prediction_type must be epsilon or v_prediction, not '\(prediction)'")
        }
        let json = upscaler ? ddim(betaStart: 0.0001, betaEnd: 0.02, prediction: prediction)
                            : ddim(betaStart: 0.00085, betaEnd: 0.012, prediction: prediction)
        return Training(noise: try schedule(json), prediction: kind, sampling: json)
    }

    static func schedule(_ json: String) throws -> NoiseSchedule {
        try NoiseSchedule(config: try SchedulerConfig.decode(Data(json.utf8)).config)
    }

    /// Writes each scheduler config (component → JSON) and the tokenizer into `folder`, returning the component
    /// folders for `PipelineFolderWriter.write(copying:)`.
    static func write(_ schedulers: [String: String], tokenizer: URL, in folder: URL) throws -> [String: URL] {
        var components: [String: URL] = [:]
        for (component, json) in schedulers {
            let target = folder.appendingPathComponent(component)
            try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
            try Data(json.utf8).write(to: target.appendingPathComponent("scheduler_config.json"))
            components[component] = target
        }
        let tokens = folder.appendingPathComponent("tokenizer")
        try FileManager.default.createDirectory(at: tokens, withIntermediateDirectories: true)
        for name in ["vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json"] {
            let source = tokenizer.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: source.path) else { continue }
            try? FileManager.default.removeItem(at: tokens.appendingPathComponent(name))
            try PipelineFolderWriter.copyFollowingLinks(source, to: tokens.appendingPathComponent(name))
        }
        components["tokenizer"] = tokens
        return components
    }
}
