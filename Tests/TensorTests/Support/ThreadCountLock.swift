import Foundation
import Tensor

/// Serialises tests that change or depend on the engine's thread count (Swift Testing runs tests in
/// parallel, and the thread count is process-wide).
enum ThreadCountLock {
    static let lock = NSLock()

    static func with<R>(threads: Int? = nil, _ body: () throws -> R) rethrows -> R {
        lock.lock()
        let saved = BLAS.threadCount
        defer {
            BLAS.setThreadCount(saved)
            lock.unlock()
        }
        if let threads { BLAS.setThreadCount(threads) }
        return try body()
    }
}
