import Foundation

extension BLASCore {
    /// Set on the restarted process only: `FROM,TO,USER` — the core OpenBLAS had loaded, the core asked for (`!TO`
    /// once it failed its self-test), and the user's own `OPENBLAS_CORETYPE` (empty when unset), to put back.
    static let restartVariable = "DBRUN_BLAS_RESTART"

    /// Applies the rule (`plan`) first thing in `main`, before any GEMM or thread: OpenBLAS reads
    /// `OPENBLAS_CORETYPE` only when it loads, and a process cannot load it twice, so a better core means starting
    /// dbrun again (`execv` of `/proc/self/exe`, same arguments) with the variable set. Loading the library by hand
    /// instead would still have to load it once to learn its own choice. The restarted process checks the core with
    /// `selfTest()` and, if it fails, starts once more on OpenBLAS's own choice, after one warning. It then puts the
    /// user's environment back, so the commands a pipeline runs see what the user set, not what dbrun chose.
    public static func selectAtStartup(warn: (String) -> Void) {
        let env = ProcessInfo.processInfo.environment
        let cpu = CPUInfo.current.vectorISA
        let mode = env["DBRUN_BLAS_CORE"].flatMap { $0.isEmpty ? nil : $0 }
        if let mode, mode != "best", mode != "openblas" {
            warn("DBRUN_BLAS_CORE=\(mode) is not one of best, openblas; ignoring it")
        }
        let knownMode = mode == "best" || mode == "openblas" ? mode : nil

        guard let marker = env[restartVariable] else {
            let user = env["OPENBLAS_CORETYPE"].flatMap { $0.isEmpty ? nil : $0 }
            switch plan(cpu: cpu, loaded: loaded, userCoreType: user, mode: knownMode) {
            case .keep(let reason):
                selection = Selection(core: loaded, openBLASChoice: loaded, reason: reason, selfTest: nil)
            case .restart(let core, let reason):
                let failure = restart(coreType: core, marker: "\(loaded),\(core),\(user ?? "")")
                selection = Selection(core: loaded, openBLASChoice: loaded,
                                      reason: "\(reason), but dbrun could not restart to load it (\(failure))", selfTest: nil)
            }
            return
        }

        // The restarted process.
        let parts = marker.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let from = parts.first ?? loaded, asked = parts.count > 1 ? parts[1] : "", user = parts.count > 2 ? parts[2] : ""
        restoreEnvironment(userCoreType: user)
        if asked.hasPrefix("!") {
            selection = Selection(core: loaded, openBLASChoice: from,
                                  reason: "\(asked.dropFirst()) failed its self-test on this CPU, so OpenBLAS's own choice", selfTest: nil)
            return
        }
        guard loaded.lowercased() == asked.lowercased() else {
            warn("OpenBLAS has no \(asked) kernels (it loaded \(loaded)); run `dbrun doctor` for details")
            selection = Selection(core: loaded, openBLASChoice: from,
                                  reason: "asked for \(asked), which this OpenBLAS does not have", selfTest: nil)
            return
        }
        let test = selfTest()
        let reason: String
        if case .restart(_, let why) = plan(cpu: cpu, loaded: from, userCoreType: user.isEmpty ? nil : user, mode: knownMode) {
            reason = why
        } else {
            reason = "\(asked) matches this CPU better than \(from)"
        }
        if test.passed {
            selection = Selection(core: loaded, openBLASChoice: from, reason: reason, selfTest: test)
            return
        }
        warn("OpenBLAS's \(asked) kernels disagree with a reference product on this CPU (\(test.detail), worst "
             + "error \(test.worst) of its bound): using \(from) instead; run `dbrun doctor` for details")
        let failure = restart(coreType: user.isEmpty ? nil : user, marker: "\(from),!\(asked),\(user)")
        selection = Selection(core: loaded, openBLASChoice: from,
                              reason: "\(asked) failed its self-test, and dbrun could not restart without it (\(failure))", selfTest: test)
    }

    /// Replaces the process with dbrun itself under `OPENBLAS_CORETYPE=coreType` (unset for nil). Returns only when
    /// that fails, with why.
    private static func restart(coreType: String?, marker: String) -> String {
        if let coreType { setenv("OPENBLAS_CORETYPE", coreType, 1) } else { unsetenv("OPENBLAS_CORETYPE") }
        setenv(restartVariable, marker, 1)
        fflush(nil)   // what was printed before the restart is not printed twice
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        let why = String(cString: strerror(errno))
        restoreEnvironment(userCoreType: marker.split(separator: ",", omittingEmptySubsequences: false).last.map(String.init) ?? "")
        return why
    }

    private static func restoreEnvironment(userCoreType: String) {
        if userCoreType.isEmpty { unsetenv("OPENBLAS_CORETYPE") } else { setenv("OPENBLAS_CORETYPE", userCoreType, 1) }
        unsetenv(restartVariable)
    }
}
