extension Tensor {
    /// Back-propagates from this scalar (e.g. a loss): adds d(self)/d(leaf) into the `grad` of every leaf
    /// it was computed from, then releases the tape behind it (call the forward again for another backward).
    public func backward() {
        precondition(count == 1, "backward() starts from a scalar; use backward(gradient:) for shape \(shape)")
        backward(gradient: Tensor.ones(shape))
    }

    /// Back-propagates `gradient` (shaped like `self`): the vector–Jacobian product of the tape.
    public func backward(gradient: Tensor) {
        precondition(gradient.shape == shape, "gradient shape \(gradient.shape) differs from tensor shape \(shape)")
        guard let root = node else {
            preconditionFailure("backward() on a tensor that does not require a gradient (computed under noGrad, or from constants only)")
        }
        noGrad { Self.runBackward(root: root, seed: gradient) }
    }

    static func runBackward(root: GradNode, seed: Tensor) {
        let order = topologicalOrder(root)
        if let stale = order.first(where: { $0.released }) {
            preconditionFailure("backward through '\(stale.name)', whose tape an earlier backward() already released; run the forward again")
        }
        accumulate(seed, into: root)
        for node in order.reversed() {
            guard let fn = node.backward, let g = node.grad else { continue }
            let grads = fn(g)
            precondition(grads.count == node.inputs.count, "\(node.name): backward gave \(grads.count) gradients for \(node.inputs.count) inputs")
            for (input, grad) in zip(node.inputs, grads) {
                guard let input else { continue }
                guard let grad else { preconditionFailure("\(node.name): missing gradient for an input that requires one") }
                precondition(grad.shape == input.shape, "\(node.name): gradient shape \(grad.shape), input shape \(input.shape)")
                accumulate(grad, into: input)
            }
            // The tape behind a consumed node is released: its saved tensors go back to the pool now.
            node.grad = nil
            node.backward = nil
            node.inputs = []
            node.released = true
        }
    }

    /// Leaves own their gradient buffer (added into in place); interior nodes sum out of place, because an
    /// op's backward may return the very tensor it was given (e.g. `add` passes its gradient through).
    static func accumulate(_ g: Tensor, into node: GradNode) {
        if node.isLeaf {
            if let existing = node.grad {
                existing.addInPlace(g)
            } else {
                node.grad = g.copied()
            }
        } else {
            node.grad = node.grad.map { $0 + g } ?? g
        }
    }

    /// Nodes reachable from `root`, each after all nodes it depends on (iterative: deep graphs are fine).
    static func topologicalOrder(_ root: GradNode) -> [GradNode] {
        var order: [GradNode] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(GradNode, Int)] = [(root, 0)]
        visited.insert(ObjectIdentifier(root))
        while let (node, next) = stack.popLast() {
            if next < node.inputs.count {
                stack.append((node, next + 1))
                if let child = node.inputs[next], visited.insert(ObjectIdentifier(child)).inserted {
                    stack.append((child, 0))
                }
            } else {
                order.append(node)
            }
        }
        return order
    }
}
