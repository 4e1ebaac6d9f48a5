import Diffusion
import Pipeline
import Pretraining

/// The denoising objective a fine-tune trains with: the model's own scheduler config decides ε or v and the noise
/// schedule; diffusers' `--offset_noise` adds 0.1 of per-channel noise and `--snr_gamma` weights by min-SNR.
enum FinetuneObjective {
    static func read(_ p: StageParameters, job: StageJob, scheduler: SchedulerConfig,
                     folder: DiffusersModelFolder) throws -> DenoisingObjective {
        let schedulerFile = SourceLocation(file: (try? folder.configPath(of: .scheduler)) ?? folder.path)
        guard let prediction = DenoisingObjective.Prediction(rawValue: scheduler.predictionType) else {
            throw PipelineError.invalid(at: schedulerFile, "stage '\(job.stage.name)': cannot train a model that predicts \(scheduler.predictionType)")
        }
        let schedule: NoiseSchedule
        do { schedule = try NoiseSchedule(config: scheduler) } catch {
            throw PipelineError.invalid(at: schedulerFile, "stage '\(job.stage.name)': \(error)")
        }
        return DenoisingObjective(schedule: schedule, prediction: prediction,
                                  offsetNoise: try p.bool("offset_noise", default: false) ? 0.1 : 0,
                                  snrGamma: try p.optionalDouble("snr_gamma").map(Float.init))
    }
}
