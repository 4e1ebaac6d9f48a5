import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Write end of the pipe the signal handler writes to; set once, before any handler is installed.
private nonisolated(unsafe) var signalPipe: Int32 = -1

/// Ctrl-C and SIGTERM, turned into a flag that stages poll and a signal forwarded to the running command.
///
/// The first signal asks the running stage to stop: a command's process group gets SIGINT (then SIGTERM and SIGKILL,
/// should it outlast a grace period after each), an in-process stage sees `isRequested` at its next check, and the
/// executor leaves no record for it. A second signal exits at once; that is still safe, because a stage without a
/// record is never taken for a cached one.
public final class Interruption: @unchecked Sendable {
    /// The process's own: what `install()` feeds and what a runner uses unless given another.
    public static let shared = Interruption()

    /// A flag of its own, for a runner that must not see (or cause) the process's stops: tests that run side by side.
    public init(graceSeconds: Double = 5) { self.graceSeconds = graceSeconds }

    private let lock = NSLock()
    private var requested = false
    private var childGroups: Set<pid_t> = []

    /// Starts listening for SIGINT and SIGTERM. Call once, from the command-line entry point.
    ///
    /// The handler only writes the signal number into a pipe (all a handler may safely do); a thread of our own reads
    /// it. Neither a busy dispatch pool nor a signal mask inherited from whoever started us can delay or swallow it.
    public func install() {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        signalPipe = fds[1]
        let readEnd = fds[0]
        var unblock = sigset_t()
        sigemptyset(&unblock)
        for sig in [SIGINT, SIGTERM] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { sig in
                var byte = UInt8(truncatingIfNeeded: sig)
                _ = write(signalPipe, &byte, 1)
            }
            action.sa_flags = SA_RESTART
            sigemptyset(&action.sa_mask)
            sigaction(sig, &action, nil)
            sigaddset(&unblock, sig)
        }
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
        let reader = Thread { [weak self] in
            var byte: UInt8 = 0
            while true {
                let n = read(readEnd, &byte, 1)
                if n == 1 { self?.receive(Int32(byte)) } else if n < 0 && errno == EINTR { continue } else { return }
            }
        }
        reader.name = "dbrun signals"
        reader.start()
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

    /// How long a command's process group gets to stop after SIGINT before SIGTERM, and again before SIGKILL: a
    /// command that ignores Ctrl-C (a shell started with SIGINT ignored keeps it ignored) must not hang the stop.
    public let graceSeconds: Double

    /// Marks a stop as requested, as a first signal would (for programmatic cancellation and tests).
    public func request() {
        lock.lock()
        requested = true
        let groups = childGroups
        lock.unlock()
        for group in groups { stop(group) }
    }

    /// SIGINT to the group, then SIGTERM and SIGKILL after a grace period each while it is still running.
    private func stop(_ group: pid_t) {
        kill(-group, SIGINT)
        let grace = graceSeconds
        DispatchQueue.global().asyncAfter(deadline: .now() + grace) { [weak self] in
            guard let self, self.isRunning(group) else { return }
            kill(-group, SIGTERM)
            DispatchQueue.global().asyncAfter(deadline: .now() + grace) { [weak self] in
                if let self, self.isRunning(group) { kill(-group, SIGKILL) }
            }
        }
    }

    private func isRunning(_ group: pid_t) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return childGroups.contains(group)
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
        if already { stop(pid) }
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
