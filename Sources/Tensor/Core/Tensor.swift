/// A Float32 tensor of up to 5 dimensions: a shape over contiguous row-major storage.
///
/// Shape letters, used in every signature and comment of the engine:
/// - `N` batch, `C` channels, `H` height, `W` width (images are `N×C×H×W`)
/// - `T` tokens (sequence length), `E` features per token, `S` the attended sequence (keys)
/// - `A` attention heads, `D` features per head (`E = A·D`)
/// - `M×K · K×N` for a matrix product, `G` groups of a group norm, `V` vocabulary size
///
/// Using it:
/// ```swift
/// var gen = RandomGenerator(seed: 0)
/// let w = Tensor.randn([4, 3], std: 0.1, generator: &gen).requiringGrad()   // a parameter
/// let x = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])                 // a constant
/// let loss = Tensor.mseLoss(Tensor.linear(x, weight: w).silu(), Tensor.zeros([2, 4]))
/// loss.backward()                       // w.grad now holds dLoss/dw
/// let opt = AdamW([w], learningRate: 1e-3)
/// opt.step(); opt.zeroGrad()
/// let y = noGrad { Tensor.linear(x, weight: w) }   // inference: nothing recorded
/// ```
/// Models group parameters in `Module`s (dotted checkpoint names, strict `load(stateDict:)`), optimizers save
/// and restore through `stateDict()`, and `checkpoint(_:_:)` trades recomputation for memory.
///
/// The handle has value semantics; the storage is shared by reference, so `reshaped`, and slices along
/// the first axis, are free views. Ops never write into their inputs: the only writes into existing
/// storage are the explicit in-place methods (`copy(from:)`, optimizer steps), which is how parameters
/// are updated while every view of them sees the new values.
///
/// `@unchecked Sendable`: a tensor may cross tasks (its storage is never written by ops after creation); the
/// explicit in-place methods are the caller's to serialise, like writes to any shared buffer.
public struct Tensor: @unchecked Sendable {
    /// The shared buffer; several tensors may view it.
    @usableFromInline let storage: Storage
    /// Element offset of this view into `storage`.
    @usableFromInline let offset: Int
    /// Sizes of the dimensions, outermost first.
    public let shape: [Int]
    /// The autodiff node: present for tensors that require a gradient, nil for constants.
    @usableFromInline var node: GradNode?

    @usableFromInline init(storage: Storage, offset: Int = 0, shape: [Int], node: GradNode? = nil) {
        precondition(shape.count <= 5, "tensors have at most 5 dimensions, got \(shape)")
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        self.storage = storage
        self.offset = offset
        self.shape = shape
        self.node = node
    }

    /// An uninitialised tensor from the current buffer pool; kernels that write every element use it.
    @usableFromInline static func empty(_ shape: [Int]) -> Tensor {
        Tensor(storage: Storage(count: shape.reduce(1, *)), shape: shape)
    }

    /// The number of elements.
    @inlinable public var count: Int { shape.reduce(1, *) }
    /// The number of dimensions.
    @inlinable public var rank: Int { shape.count }

    /// Read-only access to the elements in row-major order.
    @inlinable public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.pointer + offset, count: count))
    }

    /// Pointer to the first element (internal: kernels read inputs and write fresh outputs through it).
    @usableFromInline var pointer: UnsafeMutablePointer<Float> { storage.pointer + offset }

    /// The elements as an array (for tests, printing and small results).
    public var scalars: [Float] { withUnsafeBufferPointer { Array($0) } }

    /// The single element of a one-element tensor.
    public var item: Float {
        precondition(count == 1, "item needs exactly one element, shape is \(shape)")
        return pointer[0]
    }

    /// Size of dimension `axis`; negative axes count from the end.
    public func size(_ axis: Int) -> Int { shape[normalizedAxis(axis)] }

    func normalizedAxis(_ axis: Int) -> Int {
        let a = axis < 0 ? axis + rank : axis
        precondition(a >= 0 && a < rank, "axis \(axis) out of range for shape \(shape)")
        return a
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let shown = scalars.prefix(8).map { String($0) }.joined(separator: ", ")
        return "Tensor(\(shape), [\(shown)\(count > 8 ? ", …" : "")])"
    }
}
