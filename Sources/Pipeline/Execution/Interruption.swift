import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Ctrl-C and SIGTERM, turned into a flag that stages poll and a signal forwarded to the running command.
///
/// The first signal asks the running stage to stop: a command's process group gets SIGINT, an in-process stage sees
/// `isRequested` at its next check, and the executor leaves no record for it. A second signal exits at once; that is
/// still safe, because a stage without a record is never taken for a cached one.
public final class Interruption: @unchecked Sendable {
    public static let shared = Interruption()

    private let lock = NSLock()
    private var requested = false
    private var childGroups: Set<pid_t> = []
    private var sources: [DispatchSourceSignal] = []

    /// Starts listening for SIGINT and SIGTERM. Call once, from the command-line entry point.
    public func install() {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [weak self] in self?.receive(sig) }
            source.resume()
            sources.append(source)
        }
    }

    public var isRequested: Bool {
        lock.lock()
        defer { lock.unlock() }
        return requested
    }

    /// Throws `PipelineError.interrupted` once a stop was asked for: what long stages call between steps.
    public func check() throws {
        if isRequested { throw PipelineError.interrupted }
    }

    /// Marks a stop as requested, as a first signal would (for programmatic cancellation and tests).
    public func request() {
        lock.lock()
        requested = true
        let groups = childGroups
        lock.unlock()
        for group in groups { kill(-group, SIGINT) }
    }

    /// Clears a request, so a long-lived process (or a test) can run again.
    public func reset() {
        lock.lock()
        requested = false
        lock.unlock()
    }

    func register(childGroup pid: pid_t) {
        lock.lock()
        childGroups.insert(pid)
        let already = requested
        lock.unlock()
        if already { kill(-pid, SIGINT) }
    }

    func unregister(childGroup pid: pid_t) {
        lock.lock()
        childGroups.remove(pid)
        lock.unlock()
    }

    private func receive(_ sig: Int32) {
        lock.lock()
        let second = requested
        let groups = childGroups
        lock.unlock()
        guard second else { return request() }
        for group in groups { kill(-group, SIGKILL) }
        FileHandle.standardError.write(Data("\ndbrun: interrupted twice; exiting now\n".utf8))
        _exit(130)
    }
}
