/// Gradient checkpointing: runs `block` without keeping its tape, and recomputes it during backward.
///
/// Memory for a large model then holds one block's activations at a time instead of all of them. `block`
/// must be deterministic (seeded dropout re-seeds the same way); parameters it captures receive their
/// gradients during the recomputation, inputs through the returned tensor's tape entry.
public func checkpoint(_ inputs: [Tensor], _ block: @escaping ([Tensor]) -> Tensor) -> Tensor {
    let output = noGrad { block(inputs.map { $0.detached() }) }
    guard GradMode.isEnabled else { return output }
    let needs = inputs.map(\.requiresGrad)
    return output.recorded("checkpoint", inputs) { g in
        // Recompute with grad on, from fresh leaves standing in for the inputs.
        let leaves = zip(inputs, needs).map { t, need in need ? t.detached().requiringGrad() : t.detached() }
        let recomputed = withGrad { block(leaves) }
        if recomputed.requiresGrad { recomputed.backward(gradient: g) }
        return zip(leaves, needs).map { leaf, need in need ? (leaf.grad ?? Tensor.zeros(leaf.shape)) : nil }
    }
}
