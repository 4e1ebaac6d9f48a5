import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An advisory `flock` on a file in the store. The kernel drops it when the process dies, so a `kill -9` never
/// leaves a stage locked.
final class StoreLock {
    private let fd: Int32

    enum Mode { case shared, exclusive }

    /// Waits for the lock, polling so that Ctrl-C still works; `waiting` is called once if another process holds it.
    init(_ url: URL, _ mode: Mode = .exclusive, interruption: Interruption = .shared, waiting: () -> Void = {}) throws {
        try FileSystem.createDirectory(url.deletingLastPathComponent())
        fd = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw PipelineError.failed("cannot open lock \(url.path): \(String(cString: strerror(errno)))") }
        let operation = (mode == .exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB
        var announced = false
        while flock(fd, operation) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                close(fd)
                throw PipelineError.failed("cannot lock \(url.path): \(String(cString: strerror(errno)))")
            }
            if !announced { waiting(); announced = true }
            if interruption.isRequested {
                close(fd)
                throw PipelineError.interrupted
            }
            usleep(20_000)
        }
    }

    /// Tries once, creating the lock file if needed; nil if another process (or another open of it in this one)
    /// holds it, or it cannot be opened.
    init?(tryLocking url: URL) {
        try? FileSystem.createDirectory(url.deletingLastPathComponent())
        fd = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return nil }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            close(fd)
            return nil
        }
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
