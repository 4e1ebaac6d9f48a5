import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// SHA-256 of a file's bytes, streamed through one reused buffer, optionally copying the bytes on the way (storing
/// and restoring cache objects read each byte once).
enum FileDigest {
    static func sha256(of source: URL) throws -> (hash: ContentHash, bytes: Int64) {
        try stream(source, to: nil)
    }

    /// Copies `source` to `target` (created or truncated) and returns the hash of what was copied.
    static func copy(from source: URL, to target: URL) throws -> ContentHash {
        try stream(source, to: target).hash
    }

    private static func stream(_ source: URL, to target: URL?) throws -> (hash: ContentHash, bytes: Int64) {
        let input = open(source.path, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw PipelineError.invalid("cannot read \(source.path): \(String(cString: strerror(errno)))") }
        defer { close(input) }
        var output: Int32 = -1
        if let target {
            output = open(target.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard output >= 0 else { throw PipelineError.failed("cannot write \(target.path): \(String(cString: strerror(errno)))") }
        }
        defer { if output >= 0 { close(output) } }

        var hasher = SHA256Stream()
        let capacity = 1 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 64)
        defer { buffer.deallocate() }
        var total: Int64 = 0
        while true {
            let n = read(input, buffer.baseAddress, capacity)
            if n < 0 {
                if errno == EINTR { continue }
                throw PipelineError.failed("error reading \(source.path): \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<n])
            hasher.update(chunk)
            total += Int64(n)
            var written = 0
            while output >= 0, written < n {
                let w = write(output, chunk.baseAddress! + written, n - written)
                if w < 0 {
                    if errno == EINTR { continue }
                    throw PipelineError.failed("error writing \(target!.path): \(String(cString: strerror(errno)))")
                }
                written += w
            }
        }
        return (ContentHash(hasher.finalizeHex()), total)
    }
}
