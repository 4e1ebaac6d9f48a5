import Foundation

/// One step's figures, as the progress line and the log show them.
public struct TrainingReport: Sendable {
    /// Steps done (1-based), of `totalSteps`.
    public var step: Int
    public var totalSteps: Int
    public var loss: Float
    /// The mean of the last 50 steps' losses.
    public var smoothedLoss: Float
    public var learningRate: Float
    /// Examples per second over this process's steps (so right after a resume it is this run's own speed).
    public var examplesPerSecond: Double
    /// Seconds left at this run's speed.
    public var secondsLeft: Double
    /// The step this process resumed after (0 for a fresh start).
    public var resumedFrom: Int
    /// Whether a checkpoint was written after this step.
    public var checkpointed: Bool
    /// The share of this run's time spent drawing data (rendering, decoding) rather than training.
    public var dataShare: Double

    /// `step 120/2000  loss 0.1234 (avg 0.1301)  lr 1.0e-04  35.2 img/s  data 4%  ETA 3m12s`
    public var line: String {
        String(format: "step %d/%d  loss %.4f (avg %.4f)  lr %.1e  %.1f img/s  data %.0f%%  ETA %@", step, totalSteps,
               loss, smoothedLoss, learningRate, examplesPerSecond, dataShare * 100, Self.duration(secondsLeft))
            + (checkpointed ? "  [checkpoint]" : "")
    }

    /// `1h02m`, `3m12s`, `45s`.
    public static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "?" }
        let s = Int(seconds.rounded())
        if s >= 3600 { return String(format: "%dh%02dm", s / 3600, (s % 3600) / 60) }
        if s >= 60 { return String(format: "%dm%02ds", s / 60, s % 60) }
        return "\(s)s"
    }
}
