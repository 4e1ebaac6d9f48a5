import CBLAS
import WorkerThreads

/// Facts about the BLAS the engine runs on, for benchmarks and stage records.
public enum BLAS {
    /// The threads the engine uses (its loops, and its GEMMs split across them; OpenBLAS itself runs one thread
    /// inside each part).
    public static var threadCount: Int { Parallel.threadCount }
    /// Sets the engine's thread budget.
    public static func setThreadCount(_ n: Int) { Parallel.threadCount = max(1, n) }
    /// CPUs this process may use: its affinity mask, capped by a container's CPU quota.
    public static var usableCPUs: Int { Parallel.usableCPUs }

    /// OpenBLAS goes single-threaded before the engine's first GEMM: its own threads would spin on the cores the
    /// engine's parts run on. (A `static let` costs one atomic load once initialised.)
    static let singleThreaded: Void = openblas_set_num_threads(1)

    /// Runs `body` with OpenBLAS threading its own calls over the engine's budget, the way a program calling
    /// OpenBLAS directly would: for the raw-sgemm reference of the benchmarks.
    public static func withOpenBLASThreads<R>(_ body: () throws -> R) rethrows -> R {
        WorkerPool.shared.park()  // a spinning engine worker would take a core from OpenBLAS's threads
        openblas_set_num_threads(Int32(Parallel.threadCount))
        defer { openblas_set_num_threads(1) }
        return try body()
    }
}
