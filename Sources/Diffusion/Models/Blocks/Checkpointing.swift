import Tensor

/// Runs `body` under gradient checkpointing when `enabled` and gradients are being recorded, plainly otherwise
/// (diffusers checkpoints each resnet and each transformer of a block the same way).
func checkpointed(_ enabled: Bool, _ inputs: [Tensor], _ body: @escaping ([Tensor]) -> Tensor) -> Tensor {
    enabled && GradMode.isEnabled ? checkpoint(inputs, body) : body(inputs)
}
