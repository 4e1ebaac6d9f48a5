import Tensor

/// What a model brings to the training loop. The loop owns everything else (optimizer, schedule, clipping, EMA,
/// checkpoints, progress), so every model trains, checkpoints and resumes the same way.
///
/// Resuming gives the same bytes as an uninterrupted run because nothing the loop draws depends on history: micro-batch
/// `i` is `batch(i)`, a pure function of the task's data seed and `i`, and its noise comes from the generator the
/// loop hands over, positioned by `i` alone.
public protocol TrainingTask: AnyObject {
    associatedtype Batch

    /// The parameters to train, by checkpoint name, in a fixed order (their values are saved in checkpoints).
    var trainableParameters: [(name: String, tensor: Tensor)] { get }
    /// The optimizer's groups over `trainableParameters`, given the plan's rate and decay (one group by default).
    func parameterGroups(learningRate: Float, weightDecay: Float) -> [ParameterGroup]
    /// Images (or examples) in one micro-batch, for images/s.
    var examplesPerBatch: Int { get }
    /// Micro-batch `index` of the data stream (rendered or decoded here, in parallel on the engine's pool).
    func batch(_ index: Int) throws -> Batch
    /// The scalar loss of one micro-batch; every random draw (noise, timesteps, caption dropout) comes from `random`.
    func loss(_ batch: Batch, random: inout RandomGenerator) throws -> Tensor
}

extension TrainingTask {
    public func parameterGroups(learningRate: Float, weightDecay: Float) -> [ParameterGroup] {
        [ParameterGroup(trainableParameters, learningRate: learningRate, weightDecay: weightDecay)]
    }
}
