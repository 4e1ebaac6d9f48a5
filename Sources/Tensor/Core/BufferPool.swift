import Synchronization

/// Recycles tensor buffers by exact size, so a training step that repeats the same shapes allocates nothing
/// after its first run.
///
/// The pool in use is task-local (`BufferPool.$current.withValue(pool) { … }`), so a stage or a test can
/// own a pool and assert on its counters without seeing other work's allocations. Buffers go back to the pool
/// they came from, whatever pool is current when they are released.
public final class BufferPool: Sendable {
    /// The pool new tensors take their buffers from.
    @TaskLocal public static var current = BufferPool()

    struct State {
        // Addresses as integers: plain values the lock can hold across tasks.
        var free: [Int: [UInt]] = [:]
        var freshAllocations = 0
        var reuses = 0
        var cachedElements = 0
    }
    private let state = Mutex(State())
    /// Cached (idle) elements above which released buffers are freed instead of kept.
    public let capacity: Int

    /// Makes an empty pool that keeps at most `capacity` idle elements (default 1 Gi floats = 4 GiB).
    public init(capacity: Int = 1 << 30) { self.capacity = capacity }

    /// Buffers obtained from the system (each a `malloc`): constant across steady-state training steps.
    public var freshAllocations: Int { state.withLock { $0.freshAllocations } }
    /// Buffers served from the pool's idle list.
    public var reuses: Int { state.withLock { $0.reuses } }
    /// Idle elements held for reuse.
    public var cachedElements: Int { state.withLock { $0.cachedElements } }

    func take(_ count: Int) -> UnsafeMutablePointer<Float> {
        let reused: UInt? = state.withLock { s in
            if let p = s.free[count]?.popLast() {
                s.reuses += 1
                s.cachedElements -= count
                return p
            }
            s.freshAllocations += 1
            return nil
        }
        if let reused { return UnsafeMutablePointer(bitPattern: reused)! }
        // 64-byte alignment keeps SIMD loads and OpenBLAS's packing on cache lines.
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 4, alignment: 64)
        return raw.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    func give(_ pointer: UnsafeMutablePointer<Float>, count: Int) {
        let address = UInt(bitPattern: pointer)
        let keep = state.withLock { s in
            guard s.cachedElements + count <= capacity else { return false }
            s.free[count, default: []].append(address)
            s.cachedElements += count
            return true
        }
        if !keep { UnsafeMutableRawPointer(pointer).deallocate() }
    }

    /// Frees every idle buffer (e.g. between pipeline stages with different shapes).
    public func trim() {
        let all = state.withLock { s -> [UInt] in
            let ps = s.free.values.flatMap { $0 }
            s.free = [:]
            s.cachedElements = 0
            return ps
        }
        for p in all { UnsafeMutableRawPointer(bitPattern: p)!.deallocate() }
    }

    deinit { trim() }
}
