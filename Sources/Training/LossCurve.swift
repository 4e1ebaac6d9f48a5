import Foundation

/// The loss at every optimizer step (mean over its micro-batches) with the rate and gradient norm it ran at: kept
/// in checkpoints, so a resumed run's curve is the uninterrupted run's, and saved as JSON beside the model.
public struct LossCurve: Sendable, Equatable, Codable {
    public struct Point: Sendable, Equatable, Codable {
        public var step: Int
        public var loss: Float
        public var learningRate: Float
        /// Before clipping; nil when gradients were not measured.
        public var gradNorm: Float?

        enum CodingKeys: String, CodingKey {
            case step, loss
            case learningRate = "lr"
            case gradNorm = "grad_norm"
        }
    }

    public var points: [Point] = []

    public init(points: [Point] = []) { self.points = points }

    /// The mean loss of the last `window` steps (a steadier figure than one step's for progress and reports).
    public func recentMean(_ window: Int = 50) -> Float? {
        let tail = points.suffix(window)
        guard !tail.isEmpty else { return nil }
        return tail.reduce(0) { $0 + $1.loss } / Float(tail.count)
    }

    /// Pretty, key-sorted JSON: what `loss_curve.json` holds.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(self)
    }
}
