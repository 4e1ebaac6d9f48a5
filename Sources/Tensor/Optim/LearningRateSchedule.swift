import Foundation

/// A learning-rate multiplier per step, with diffusers' `get_scheduler` shapes.
public enum LearningRateSchedule: Sendable, Hashable {
    /// Always 1.
    case constant
    /// Rises linearly from 0 to 1 over `warmupSteps`, then stays at 1 (`constant_with_warmup`).
    case warmup(steps: Int)
    /// Linear warmup, then a straight line from 1 down to 0 at `totalSteps` (`linear`).
    case linear(warmupSteps: Int, totalSteps: Int)
    /// Linear warmup, then half a cosine from 1 down to `minFactor` at `totalSteps` (`cosine`).
    case cosine(warmupSteps: Int, totalSteps: Int, minFactor: Float = 0)

    /// The multiplier for the step about to be taken (0-based).
    public func factor(at step: Int) -> Float {
        switch self {
        case .constant:
            return 1
        case .warmup(let w):
            return w > 0 && step < w ? Float(step) / Float(w) : 1
        case .linear(let w, let total):
            if w > 0 && step < w { return Float(step) / Float(w) }
            return Swift.max(0, Float(total - step) / Float(Swift.max(1, total - w)))
        case .cosine(let w, let total, let floor):
            if w > 0 && step < w { return Float(step) / Float(w) }
            let progress = Double(step - w) / Double(Swift.max(1, total - w))
            let c = Swift.max(0, 0.5 * (1 + cos(Double.pi * Swift.min(progress, 1))))
            return floor + (1 - floor) * Float(c)
        }
    }
}
