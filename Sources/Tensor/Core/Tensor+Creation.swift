import WorkerThreads

extension Tensor {
    /// A tensor holding `scalars` in row-major order.
    public init(shape: [Int], scalars: [Float]) {
        precondition(shape.reduce(1, *) == scalars.count, "\(scalars.count) scalars do not fill shape \(shape)")
        self = .empty(shape)
        scalars.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { pointer.update(from: base, count: src.count) }
        }
    }

    /// A tensor whose elements `fill` writes (e.g. straight from a weights file, without an array in between).
    /// `fill` must write every element.
    public static func filled(_ shape: [Int], _ fill: (UnsafeMutableBufferPointer<Float>) throws -> Void) rethrows -> Tensor {
        let t = Tensor.empty(shape)
        try fill(UnsafeMutableBufferPointer(start: t.pointer, count: t.count))
        return t
    }

    /// Writes into this tensor's elements in place (loading weights into existing parameters). Every view of
    /// the storage sees the change; the tape is not involved.
    public func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeMutableBufferPointer(start: pointer, count: count))
    }

    /// A tensor of shape `[scalars.count]`.
    public init(_ scalars: [Float]) { self.init(shape: [scalars.count], scalars: scalars) }

    /// A 0-dimensional tensor (one element, shape `[]`).
    public init(scalar: Float) { self.init(shape: [], scalars: [scalar]) }

    /// Every element `value`.
    public static func full(_ shape: [Int], _ value: Float) -> Tensor {
        let t = Tensor.empty(shape)
        t.pointer.update(repeating: value, count: t.count)
        return t
    }

    /// All zeros.
    public static func zeros(_ shape: [Int]) -> Tensor { full(shape, 0) }
    /// All ones.
    public static func ones(_ shape: [Int]) -> Tensor { full(shape, 1) }

    /// Zeros shaped like `other` (a fresh constant).
    public static func zeros(like other: Tensor) -> Tensor { full(other.shape, 0) }

    /// Standard normal samples (times `std`), drawn from `generator`, which advances.
    public static func randn(_ shape: [Int], std: Float = 1, generator: inout RandomGenerator) -> Tensor {
        let t = Tensor.empty(shape)
        generator.fillNormal(t.pointer, count: t.count)
        if std != 1 { for i in 0..<t.count { t.pointer[i] *= std } }
        return t
    }

    /// Uniform samples in `[low, high)`, drawn from `generator`, which advances.
    public static func uniform(_ shape: [Int], low: Float = 0, high: Float = 1, generator: inout RandomGenerator) -> Tensor {
        let t = Tensor.empty(shape)
        generator.fillUniform(t.pointer, count: t.count)
        let span = high - low
        for i in 0..<t.count { t.pointer[i] = low + span * t.pointer[i] }
        return t
    }

    /// `0, 1, …, count-1`.
    public static func arange(_ count: Int) -> Tensor {
        Tensor(shape: [count], scalars: (0..<count).map(Float.init))
    }

    /// A contiguous copy with its own storage and no tape entry.
    public func copied() -> Tensor {
        let t = Tensor.empty(shape)
        t.pointer.update(from: pointer, count: count)
        return t
    }

    /// Overwrites this tensor's elements with `source`'s (loading weights, restoring state). Views of the same
    /// storage see the change; the tape is not involved.
    public func copy(from source: Tensor) {
        precondition(source.shape == shape, "copy from shape \(source.shape) into shape \(shape)")
        pointer.update(from: source.pointer, count: count)
    }

    /// Adds `other` into this tensor's storage (gradient accumulation, optimizers); same shape only.
    public func addInPlace(_ other: Tensor, scale: Float = 1) {
        precondition(other.shape == shape, "add shape \(other.shape) into shape \(shape)")
        let d = UncheckedBox(pointer), s = UncheckedBox(other.pointer)
        Parallel.forRanges(count) { r in
            for i in r { d.value[i] += scale * s.value[i] }
        }
    }

    /// Multiplies this tensor's storage by `factor` in place.
    public func scaleInPlace(_ factor: Float) {
        let d = UncheckedBox(pointer)
        Parallel.forRanges(count) { r in
            for i in r { d.value[i] *= factor }
        }
    }

    /// Sets every element to `value` in place.
    public func fill(_ value: Float) { pointer.update(repeating: value, count: count) }
}
