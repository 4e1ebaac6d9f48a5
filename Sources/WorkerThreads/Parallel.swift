import CWorkerThreads
import Foundation
import Synchronization

/// The process's parallel loops: split an index range over one thread budget and one pool (`WorkerPool`), shared by
/// the engine (whose GEMMs run OpenBLAS single-threaded inside each part) and Imaging, so two pools never fight
/// over the cores and `--threads` reaches every loop.
///
/// Every caller makes each output element depend on its index only (never on where a range was cut), so results
/// are the same bytes for any thread count.
public enum Parallel {
    private static let threads: Atomic<Int> = Atomic(defaultBudget)

    /// `DBRUN_THREADS` when set; otherwise the usable CPUs (affinity mask, capped by a container's CPU quota),
    /// capped again by `OPENBLAS_NUM_THREADS` or `OMP_NUM_THREADS` when set, as in any program linking OpenBLAS.
    static var defaultBudget: Int {
        let env = ProcessInfo.processInfo.environment
        func positive(_ name: String) -> Int? { env[name].flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil } }
        if let own = positive("DBRUN_THREADS") { return own }
        let asked = positive("OPENBLAS_NUM_THREADS") ?? positive("OMP_NUM_THREADS")
        return max(1, min(asked ?? .max, usableCPUs))
    }

    /// CPUs this process may use: its affinity mask, capped by a container's CPU quota.
    public static var usableCPUs: Int { Int(wt_usable_cpus()) }

    /// Threads for every parallel loop and GEMM; `BLAS.setThreadCount` sets it.
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
