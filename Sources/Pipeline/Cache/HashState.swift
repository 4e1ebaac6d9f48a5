import Foundation

/// Remembers each file's hash under its (inode, size, mtime), as DVC's state does, so that a rerun over a large model
/// folder stats its files instead of reading them. Local to one machine and never part of a key: a copied
/// workspace has new inodes and mtimes, and simply hashes once again.
public final class HashState: @unchecked Sendable {
    private struct Entry: Codable {
        var stat: FileSystem.Stat
        var hash: ContentHash
    }

    private let url: URL
    private var entries: [String: Entry] = [:]
    private var dirty = false
    private let lock = NSLock()
    /// How many files the state remembers.
    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return entries.count
    }

    /// Bytes read to hash files in this process: what `bench runner` checks stays zero on a no-op rerun.
    public private(set) var bytesHashed: Int64 = 0

    public init(url: URL) {
        self.url = url
        if let data = try? Data(contentsOf: url), let decoded = try? JSONDecoder().decode([String: Entry].self, from: data) {
            entries = decoded
        }  // A missing or damaged state only costs rehashing.
    }

    /// Writes the state back if anything was learnt, forgetting files that no longer exist (so the state does not
    /// grow with every deleted output). Best effort: losing it only costs time.
    public func save() {
        lock.lock()
        defer { lock.unlock() }
        guard dirty else { return }
        entries = entries.filter { FileSystem.exists($0.key) }
        guard let data = try? JSONEncoder().encode(entries) else { return }
        try? FileSystem.writeAtomically(data, to: url)
        dirty = false
    }

    /// The hash of a file or folder, and for a folder its manifest.
    public func hash(_ url: URL) throws -> (hash: ContentHash, manifest: FolderManifest?) {
        guard let st = FileSystem.stat(url.path) else {
            throw PipelineError.invalid("\(url.path) does not exist")
        }
        guard st.isDirectory else { return (try hashFile(url.path, stat: st), nil) }
        let manifest = FolderManifest(files: try FileSystem.filesUnder(url).map { relative in
            let path = url.path + "/" + relative
            guard let fileStat = FileSystem.stat(path) else { throw PipelineError.invalid("\(path) vanished while hashing") }
            return (relative, try hashFile(path, stat: fileStat))
        })
        return (manifest.hash, manifest)
    }

    /// Tells the state a file's hash that was computed elsewhere (while copying it into the store).
    func remember(_ path: String, hash: ContentHash) {
        guard let st = FileSystem.stat(path) else { return }
        lock.lock()
        entries[path] = Entry(stat: st, hash: hash)
        dirty = true
        lock.unlock()
    }

    private func hashFile(_ path: String, stat st: FileSystem.Stat) throws -> ContentHash {
        lock.lock()
        if let known = entries[path], known.stat == st {
            lock.unlock()
            return known.hash
        }
        lock.unlock()
        let (hash, bytes) = try FileDigest.sha256(of: URL(fileURLWithPath: path))
        lock.lock()
        entries[path] = Entry(stat: st, hash: hash)
        dirty = true
        bytesHashed += bytes
        lock.unlock()
        return hash
    }
}
