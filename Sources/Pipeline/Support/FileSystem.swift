import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The few file-system operations the runner needs, with the atomicity it relies on.
typealias stat_t = Glibc.stat

/// `stat(2)`, named apart from the struct of the same name, which Swift prefers in expressions.
private func posixStat(_ path: String, _ buffer: UnsafeMutablePointer<stat_t>) -> Int32 {
    stat(path, buffer)
}

enum FileSystem {
    static let manager = FileManager.default

    /// File metadata from one `stat`: what the hash state keys on.
    struct Stat: Equatable, Codable {
        var inode: UInt64
        var size: Int64
        var mtimeNanoseconds: Int64
        var isDirectory: Bool
    }

    /// `stat` following symlinks (a symlinked input is its target's content), or nil when absent.
    static func stat(_ path: String) -> Stat? {
        var st = stat_t()
        guard posixStat(path, &st) == 0 else { return nil }
        return Stat(inode: UInt64(st.st_ino), size: Int64(st.st_size),
                    mtimeNanoseconds: Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec),
                    isDirectory: (st.st_mode & S_IFMT) == S_IFDIR)
    }

    static func exists(_ path: String) -> Bool { stat(path) != nil }

    static func isSymlink(_ path: String) -> Bool {
        var st = stat_t()
        return lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFLNK
    }

    /// Writes `data` to `url` so that readers see the old file or the whole new one, never a part.
    static func writeAtomically(_ data: Data, to url: URL) throws {
        try createDirectory(url.deletingLastPathComponent())
        let temp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        do {
            try data.write(to: temp)
            try renameReplacing(temp, url)
        } catch {
            try? manager.removeItem(at: temp)
            throw error
        }
    }

    /// `rename(2)`: atomic on one file system, replacing a file (not a non-empty folder) at `to`.
    static func renameReplacing(_ from: URL, _ to: URL) throws {
        guard rename(from.path, to.path) == 0 else {
            throw PipelineError.failed("cannot move \(from.path) to \(to.path): \(String(cString: strerror(errno)))")
        }
    }

    /// Puts `from` (a file or folder) at `to`, replacing whatever was there, with one rename at the end so that a
    /// reader sees the old or the new version.
    static func moveReplacing(_ from: URL, _ to: URL) throws {
        try createDirectory(to.deletingLastPathComponent())
        if exists(to.path) || isSymlink(to.path) {
            let trash = to.deletingLastPathComponent().appendingPathComponent(".\(to.lastPathComponent).\(UUID().uuidString).old")
            try renameReplacing(to, trash)
            try renameReplacing(from, to)
            try? manager.removeItem(at: trash)
        } else {
            try renameReplacing(from, to)
        }
    }

    static func createDirectory(_ url: URL) throws {
        try manager.createDirectory(at: url, withIntermediateDirectories: true)
    }

    static func remove(_ url: URL) throws {
        if exists(url.path) || isSymlink(url.path) { try manager.removeItem(at: url) }
    }

    /// Every regular file under `folder` (following symlinks), as paths relative to it, sorted by UTF-8 bytes so
    /// that every machine lists a folder in the same order.
    static func filesUnder(_ folder: URL) throws -> [String] {
        var found: [String] = []
        func walk(_ relative: String) throws {
            let absolute = relative.isEmpty ? folder.path : folder.path + "/" + relative
            let names = try manager.contentsOfDirectory(atPath: absolute)
            for name in names {
                let child = relative.isEmpty ? name : relative + "/" + name
                guard let st = stat(folder.path + "/" + child) else {
                    throw PipelineError.invalid("\(folder.path)/\(child) is a broken symbolic link")
                }
                if st.isDirectory { try walk(child) } else { found.append(child) }
            }
        }
        try walk("")
        return found.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }
}
