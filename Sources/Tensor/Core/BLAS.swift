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
}
