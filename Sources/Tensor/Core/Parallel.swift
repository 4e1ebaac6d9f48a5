import CBLAS
import CEngineKernels
import Synchronization

/// The engine's own parallel loops: split an index range over the engine's threads (`WorkerPool`).
///
/// OpenBLAS runs single-threaded inside the engine's threads (GEMM splits its output across them), so one pool
/// owns the cores. Every caller makes each output element depend on its index only (never on where a range was
/// cut), so results are the same bytes for any thread count.
public enum Parallel {
    private static let threads: Atomic<Int> = {
        // OpenBLAS's own default (OPENBLAS_NUM_THREADS or the core count), capped by a container's CPU quota,
        // becomes the engine's budget, and OpenBLAS itself goes single-threaded: its threads would spin on the
        // cores our parts run on.
        let budget = max(1, min(Int(openblas_get_num_threads()), Int(ek_usable_cpus())))
        openblas_set_num_threads(1)
        return Atomic(budget)
    }()

    /// Threads the engine uses for its loops and its GEMMs; `BLAS.setThreadCount` sets it.
    public static var threadCount: Int {
        get { threads.load(ordering: .relaxed) }
        set { threads.store(max(1, newValue), ordering: .relaxed) }
    }

    /// Runs `body` over `0..<count` split into contiguous ranges when there are at least two threads' worth of
    /// `grain` indices; otherwise on the caller's thread in one range.
    /// Each range is run by one thread; a few ranges per thread let a thread that finishes early take up the slack.
    /// The ranges depend only on `count`, `grain` and the thread count: when the pool is busy (a nested loop, or
    /// another thread's) the caller runs the same ranges in order itself, so a split GEMM gives the same bytes.
    public static func forRanges(_ count: Int, grain: Int = 16384, _ body: (Range<Int>) -> Void) {
        let threads = min(threadCount, count / max(grain, 1))
        guard threads > 1 else {
            if count > 0 { body(0..<count) }
            return
        }
        let chunks = min(count / max(grain, 1), threads * chunksPerThread)
        let chunk = { (c: Int) in count * c / chunks..<count * (c + 1) / chunks }
        if !WorkerPool.shared.run(chunks: chunks, threads: threads, { c in body(chunk(c)) }) {
            for c in 0..<chunks { body(chunk(c)) }
        }
    }

    /// Ranges per thread in a parallel loop.
    static let chunksPerThread = 2
}

/// Carries a value into a parallel loop whose parts touch disjoint memory (the reason it is safe).
@usableFromInline struct UncheckedBox<T>: @unchecked Sendable {
    @usableFromInline let value: T
    @usableFromInline init(_ value: T) { self.value = value }
}
