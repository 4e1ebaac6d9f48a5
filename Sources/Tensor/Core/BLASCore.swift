import CBLAS
import Foundation
import Synchronization

/// Which of OpenBLAS's kernel sets ("core types") runs the engine's GEMMs, and the rule that picks it.
///
/// OpenBLAS picks its kernels once, when it loads, from its own table of CPU models. A release older than the CPU
/// (Debian 12's 0.3.21 on Emerald Rapids or Zen 5) falls back to its generic SSE3 kernels, `Prescott`, 3–6× slower
/// than the AVX2 or AVX-512 kernels it also ships. The rule: when OpenBLAS's choice uses no AVX2 while the CPU (and
/// the OS) support AVX2+FMA or AVX-512, take the core that matches the CPU. `BLASCore+Startup.swift` applies it.
public enum BLASCore {
    /// The core OpenBLAS runs in this process, e.g. `Haswell`.
    public static var loaded: String { String(cString: openblas_get_corename()) }
    /// OpenBLAS's build description, e.g. `OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64`.
    public static var configuration: String { String(cString: openblas_get_config()).trimmingCharacters(in: .whitespaces) }

    /// The widest vector ISA the kernels of each x86-64 core type use (OpenBLAS 0.3 names, lowercased).
    static let vectorISA: [String: CPUInfo.VectorISA] = {
        var table: [String: CPUInfo.VectorISA] = [:]
        for core in ["katmai", "coppermine", "northwood", "prescott", "banias", "atom", "core2", "penryn",
                     "dunnington", "nehalem", "athlon", "opteron", "opteron_sse3", "barcelona", "nano", "bobcat"] {
            table[core] = .sse
        }
        for core in ["sandybridge", "bulldozer", "piledriver", "steamroller", "excavator"] { table[core] = .avx }
        for core in ["haswell", "zen"] { table[core] = .avx2FMA }
        table["skylakex"] = .avx512
        for core in ["cooperlake", "sapphirerapids"] { table[core] = .avx512BF16 }
        return table
    }()

    /// The vector ISA a core's kernels use; nil for a name this table does not know (another architecture).
    public static func vectorISA(ofCore core: String) -> CPUInfo.VectorISA? { vectorISA[core.lowercased()] }

    /// The core to run on a CPU whose widest usable ISA is `isa`, or nil where OpenBLAS's generic choice is all
    /// there is. Measured (docs/kernels.md): SkylakeX and Cooperlake share their sgemm kernels in OpenBLAS 0.3.21
    /// and measure alike within the noise; Cooperlake is OpenBLAS's own match for a BF16 CPU.
    public static func preferred(for isa: CPUInfo.VectorISA) -> String? {
        switch isa {
        case .avx512BF16: "Cooperlake"
        case .avx512: "SkylakeX"
        case .avx2FMA: "Haswell"
        case .sse, .avx: nil
        }
    }

    /// What to do at start-up.
    public enum Plan: Equatable, Sendable {
        /// Run with the core that is loaded, for this reason.
        case keep(reason: String)
        /// Start again with `OPENBLAS_CORETYPE=core`, for this reason.
        case restart(core: String, reason: String)
    }

    /// The rule, as a pure function of what start-up sees. `userCoreType` is `OPENBLAS_CORETYPE` as the user set it;
    /// `mode` is `DBRUN_BLAS_CORE`: nil (the user's `OPENBLAS_CORETYPE` wins), `best` (apply the rule even over
    /// it) or `openblas` (never change OpenBLAS's choice).
    public static func plan(cpu: CPUInfo.VectorISA, loaded: String, userCoreType: String?, mode: String?) -> Plan {
        if mode == "openblas" { return .keep(reason: "DBRUN_BLAS_CORE=openblas keeps OpenBLAS's own choice") }
        if let userCoreType, mode != "best" { return .keep(reason: "set by OPENBLAS_CORETYPE=\(userCoreType)") }
        let chosenBy = userCoreType.map { "OPENBLAS_CORETYPE=\($0)" } ?? "OpenBLAS's own choice for this CPU"
        guard let have = vectorISA(ofCore: loaded) else { return .keep(reason: chosenBy) }
        if have >= .avx2FMA { return .keep(reason: chosenBy) }
        guard let better = preferred(for: cpu) else {
            return .keep(reason: "\(chosenBy); the CPU has no AVX2+FMA, so no faster core applies")
        }
        let who = userCoreType.map { "OPENBLAS_CORETYPE=\($0) names" } ?? "OpenBLAS chose"
        return .restart(core: better, reason: "\(who) \(loaded), a generic \(have) core, on a CPU with \(cpu): \(better) matches it")
    }

    /// How the core in use was arrived at, for `dbrun doctor`, benchmarks and stage records.
    public struct Selection: Sendable, Encodable {
        /// The core OpenBLAS runs now.
        public let core: String
        /// The core OpenBLAS had loaded before dbrun stepped in (the same as `core` when it did not).
        public let openBLASChoice: String
        public let reason: String
        /// The check of `core` against a reference product, when dbrun chose it.
        public let selfTest: SelfTest?
    }

    /// The selection made at start-up; without one (a test process, a library user) OpenBLAS's own choice.
    public static var selection: Selection {
        get { selectionStorage.withLock { $0 } ?? Selection(core: loaded, openBLASChoice: loaded, reason: "OpenBLAS's own choice (no start-up selection ran)", selfTest: nil) }
        set { selectionStorage.withLock { $0 = newValue } }
    }
    private static let selectionStorage = Mutex<Selection?>(nil)
}
