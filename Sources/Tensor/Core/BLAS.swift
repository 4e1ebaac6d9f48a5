import CBLAS

/// Facts about the BLAS the engine runs on, for benchmarks and stage records.
public enum BLAS {
    /// The number of threads OpenBLAS uses for one call.
    public static var threadCount: Int { Int(openblas_get_num_threads()) }
    /// Sets OpenBLAS's thread count and the engine's own loops to the same budget, so the two never
    /// oversubscribe the cores (they never run at the same time either).
    public static func setThreadCount(_ n: Int) {
        openblas_set_num_threads(Int32(max(1, n)))
        Parallel.threadCount = max(1, n)
    }

    /// Runs `body` with OpenBLAS on one thread, for kernels that run single-threaded sgemm calls on each of
    /// the engine's own threads at once (attention heads): one thread per core either way.
    public static func withSingleThread<R>(_ body: () throws -> R) rethrows -> R {
        let saved = openblas_get_num_threads()
        if saved == 1 { return try body() }
        openblas_set_num_threads(1)
        defer { openblas_set_num_threads(saved) }
        return try body()
    }
}
