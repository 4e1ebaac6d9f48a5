/// One entry of the tape: how to turn the gradient of an op's output into gradients of its inputs.
///
/// Tensors that require a gradient carry a node; constants and frozen weights carry none, so ops on them
/// record nothing and backward never computes their gradients. A leaf node (a parameter) keeps its
/// accumulated gradient in `grad` across `backward()` calls; an interior node's gradient is dropped as soon
/// as it has been passed on.
public final class GradNode: @unchecked Sendable {
    /// The op that made the tensor, for error messages and debugging.
    public let name: String
    /// Nodes of the inputs in the op's argument order; nil where that input needs no gradient.
    var inputs: [GradNode?]
    /// Maps the output's gradient to one gradient per input (nil where `inputs[i]` is nil).
    var backward: ((Tensor) -> [Tensor?])?
    /// The accumulated gradient.
    var grad: Tensor?
    /// True for tensors made by the user (parameters), false for op results.
    let isLeaf: Bool
    /// Shape of the tensor, to check gradients against.
    let shape: [Int]
    /// Set once backward has passed through this node and dropped what it saved.
    var released = false

    init(leafWithShape shape: [Int]) {
        name = "leaf"
        inputs = []
        backward = nil
        isLeaf = true
        self.shape = shape
    }

    init(name: String, shape: [Int], inputs: [GradNode?], backward: @escaping (Tensor) -> [Tensor?]) {
        self.name = name
        self.inputs = inputs
        self.backward = backward
        isLeaf = false
        self.shape = shape
    }
}

extension Tensor {
    /// Whether backward computes a gradient for this tensor (a parameter, or a result computed from one).
    public var requiresGrad: Bool {
        get { node != nil }
        set {
            if newValue {
                if node == nil { node = GradNode(leafWithShape: shape) }
            } else {
                node = nil
            }
        }
    }

    /// This tensor as a trainable leaf: same storage, its own gradient.
    public func requiringGrad() -> Tensor {
        Tensor(storage: storage, offset: offset, shape: shape, node: GradNode(leafWithShape: shape))
    }

    /// The same values cut off from the tape (a constant).
    public func detached() -> Tensor { Tensor(storage: storage, offset: offset, shape: shape) }

    /// The gradient accumulated by `backward()` (leaf tensors only); nil before the first backward.
    public var grad: Tensor? {
        get { node?.grad }
        nonmutating set {
            precondition(node != nil, "grad is only kept for tensors that require a gradient")
            node!.grad = newValue
        }
    }

    /// Forgets the accumulated gradient (the next backward starts from zero).
    public func zeroGrad() { node?.grad = nil }

    /// For an op: the input flags of the tape entry to record, or nil when recording is off or no input
    /// requires a gradient (then the op must not build its backward closure at all: zero tape cost).
    @inlinable static func recording(_ inputs: Tensor...) -> [Bool]? {
        guard GradMode.isEnabled else { return nil }
        var any = false
        let needs = inputs.map { t -> Bool in
            let n = t.node != nil
            any = any || n
            return n
        }
        return any ? needs : nil
    }

    /// Attaches a tape entry to an op's freshly computed result.
    @usableFromInline func recorded(_ name: String, _ inputs: [Tensor], _ backward: @escaping (Tensor) -> [Tensor?]) -> Tensor {
        var out = self
        out.node = GradNode(name: name, shape: shape, inputs: inputs.map { $0.node }, backward: backward)
        return out
    }
}
