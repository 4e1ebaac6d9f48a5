/// A Float32 buffer borrowed from a `BufferPool` and handed back when the last tensor viewing it goes.
///
/// Reference semantics are the point: views and parameters share one buffer, and returning it to its pool
/// on `deinit` is what lets a training step run without fresh allocations after the first.
public final class Storage: @unchecked Sendable {
    /// The first element; valid for `count` elements for the life of the storage.
    public let pointer: UnsafeMutablePointer<Float>
    /// The number of elements.
    public let count: Int
    let pool: BufferPool

    init(count: Int, pool: BufferPool = BufferPool.current) {
        self.count = count
        self.pool = pool
        self.pointer = pool.take(count)
    }

    deinit { pool.give(pointer, count: count) }
}
