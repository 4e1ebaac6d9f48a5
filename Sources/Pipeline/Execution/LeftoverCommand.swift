import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A stage's command that may outlive its dbrun. Commands run in their own process group (so Ctrl-C is forwarded
/// cleanly), which means a `kill -9` of dbrun leaves the command running and still writing its outs. Each command's
/// shell writes its pid beside its key's lock before the command starts; the next dbrun to take that lock stops what
/// is still running before it runs the stage again.
struct LeftoverCommand: Sendable {
    /// Set in the command's environment to its stage key: how a later dbrun knows a process is that command and
    /// not an unrelated one that reused the pid.
    static let variable = "DBRUN_STAGE_KEY"

    let record: URL
    let key: String

    func finished() {
        try? FileSystem.remove(record)
    }

    /// Stops the recorded command's process group if it is still running; returns its pid if it was.
    func stopIfRunning() -> pid_t? {
        defer { finished() }
        guard let text = try? String(contentsOf: record, encoding: .utf8),
              let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 1,
              isOurs(pid) else { return nil }
        kill(-pid, SIGTERM)
        for _ in 0..<250 where kill(-pid, 0) == 0 { usleep(20_000) }  // up to 5 s to exit cleanly
        if kill(-pid, 0) == 0 { kill(-pid, SIGKILL) }
        return pid
    }

    /// Whether `pid` is alive and carries this stage's key in its environment.
    private func isOurs(_ pid: pid_t) -> Bool {
        guard let environ = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return false }
        let marker = Data("\(Self.variable)=\(key)".utf8)
        return environ.split(separator: 0).contains { Data($0) == marker }
    }
}
