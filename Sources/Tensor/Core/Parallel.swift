import Dispatch
import Synchronization
import CBLAS

/// The engine's own parallel loops: split an index range over the thread budget shared with OpenBLAS.
///
/// A loop here blocks its caller until every part is done, and no kernel calls OpenBLAS from inside one,
/// so the engine's threads and OpenBLAS's never compete for the 2 cores. Every caller makes each output
/// element depend on its index only (never on where a range was cut), so results are the same bytes
/// for any thread count.
public enum Parallel {
    private static let threads = Atomic<Int>(max(1, Int(openblas_get_num_threads())))

    /// Threads the engine's loops use; `BLAS.setThreadCount` sets this and OpenBLAS's together.
    public static var threadCount: Int {
        get { threads.load(ordering: .relaxed) }
        set { threads.store(max(1, newValue), ordering: .relaxed) }
    }

    /// Runs `body` over `0..<count` split into contiguous ranges, one per thread, when each part has
    /// at least `grain` indices; otherwise inline on the caller's thread.
    @inlinable
    public static func forRanges(_ count: Int, grain: Int = 16384, _ body: (Range<Int>) -> Void) {
        let parts = min(threadCount, count / max(grain, 1))
        if parts <= 1 {
            if count > 0 { body(0..<count) }
            return
        }
        withoutActuallyEscaping(body) { body in
            let box = UncheckedBox(body)
            DispatchQueue.concurrentPerform(iterations: parts) { p in
                let lo = count * p / parts, hi = count * (p + 1) / parts
                box.value(lo..<hi)
            }
        }
    }
}

/// Carries a value into a parallel loop whose parts touch disjoint memory (the reason it is safe).
@usableFromInline struct UncheckedBox<T>: @unchecked Sendable {
    @usableFromInline let value: T
    @usableFromInline init(_ value: T) { self.value = value }
}
