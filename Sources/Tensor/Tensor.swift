// The engine lands here (issue: tensor engine). Module overview:
// Float32 tensors, reverse-mode autodiff, the kernels of diffusion models on OpenBLAS, optimizers.
import CBLAS

/// Facts about the BLAS the engine runs on, for benchmarks and stage records.
public enum BLAS {
    /// The number of threads OpenBLAS uses for one call.
    public static var threadCount: Int { Int(openblas_get_num_threads()) }
    /// Sets OpenBLAS's thread count; the engine's own loops share the same budget.
    public static func setThreadCount(_ n: Int) { openblas_set_num_threads(Int32(n)) }
}
