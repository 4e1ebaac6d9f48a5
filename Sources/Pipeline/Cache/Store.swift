import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The cache: a plain folder that two processes (or a team, on a shared disk) can use at once.
///
/// ```
/// objects/ab/cdef…        file contents by SHA-256, read-only; folder manifests end in .dir
/// records/ab/abcd….json   one per stage run, named by its key; written last, by rename
/// index/PIPELINE/STAGE.json  the key each stage last had, for `status` and `why`
/// locks/KEY.lock          one per key: a stage never runs twice at once
/// resume/KEY/             a long stage's work folder (checkpoints), kept when a run fails, is interrupted or
///                         killed, removed once the key's record is written or by `cache gc`; never pushed or pulled
/// memos/ab/abcd…          one item a stage made (a class image), by the hash of what made it: the item's object
///                         hash, so a larger count, a rerun after an interruption or another pipeline reuses it
/// tmp/                    where objects are assembled before their rename
/// ```
/// Every write is a rename of a finished temporary file, so a crash leaves at most a stray file in `tmp/`.
public final class Store: @unchecked Sendable {
    public let root: URL

    public init(root: URL) {
        self.root = root.standardizedFileURL
    }

    var objects: URL { root.appendingPathComponent("objects") }
    var records: URL { root.appendingPathComponent("records") }
    var index: URL { root.appendingPathComponent("index") }
    var locks: URL { root.appendingPathComponent("locks") }
    var resume: URL { root.appendingPathComponent("resume") }
    var tmp: URL { root.appendingPathComponent("tmp") }

    // MARK: - Objects

    func objectURL(_ hash: ContentHash) -> URL {
        objects.appendingPathComponent(String(hash.value.prefix(2))).appendingPathComponent(String(hash.value.dropFirst(2)))
    }

    public func hasObject(_ hash: ContentHash) -> Bool { FileSystem.exists(objectURL(hash).path) }

    /// Whether every object an output needs is present (not verified: reading verifies).
    func hasAllObjects(_ hash: ContentHash) -> Bool {
        guard hasObject(hash) else { return false }
        guard hash.isFolder else { return true }
        guard let manifest = try? readManifest(hash) else { return false }
        return manifest.files.allSatisfy { hasObject($0.hash) }
    }

    /// Copies a file or folder into the store and returns its hash (and a folder's manifest). Files already stored
    /// are not copied again.
    @discardableResult
    public func store(_ url: URL, state: HashState) throws -> (hash: ContentHash, manifest: FolderManifest?) {
        let (hash, manifest) = try state.hash(url)
        guard let manifest else {
            if !hasObject(hash) { try storeFile(url, expecting: hash) }
            return (hash, nil)
        }
        for (relative, fileHash) in manifest.files where !hasObject(fileHash) {
            try storeFile(url.appendingPathComponent(relative), expecting: fileHash)
        }
        if !hasObject(hash) { try storeBytes(manifest.canonicalData, as: hash) }
        return (hash, manifest)
    }

    func storeFile(_ url: URL, expecting hash: ContentHash) throws {
        let temp = try newTemporary()
        let copied = try FileDigest.copy(from: url, to: temp)
        guard copied == hash else {
            try? FileSystem.remove(temp)
            throw PipelineError.failed("\(url.path) changed while it was being stored; is something still writing it?")
        }
        try publishObject(temp, as: hash)
    }

    func storeBytes(_ data: Data, as hash: ContentHash) throws {
        let temp = try newTemporary()
        try data.write(to: temp)
        try publishObject(temp, as: hash)
    }

    private func publishObject(_ temp: URL, as hash: ContentHash) throws {
        let destination = objectURL(hash)
        try FileSystem.createDirectory(destination.deletingLastPathComponent())
        chmod(temp.path, 0o444)
        try FileSystem.renameReplacing(temp, destination)
    }

    func readManifest(_ hash: ContentHash) throws -> FolderManifest {
        let data = try readVerified(hash)
        return try FolderManifest(data: data)
    }

    /// An object's bytes, checked against its name.
    func readVerified(_ hash: ContentHash) throws -> Data {
        guard let data = FileManager.default.contents(atPath: objectURL(hash).path) else { throw CorruptObject(hash: hash, reason: "missing") }
        let actual = ContentHash.sha256Hex(data) + (hash.isFolder ? ".dir" : "")
        guard actual == hash.value else { throw quarantine(hash) }
        return data
    }

    /// Puts an object back at `destination` (replacing what is there), checking every byte against its hash.
    /// A corrupt object is removed from the store and reported, so the stage that made it runs again.
    public func restore(_ hash: ContentHash, to destination: URL, state: HashState) throws {
        try FileSystem.createDirectory(destination.deletingLastPathComponent())
        let staging = destination.deletingLastPathComponent().appendingPathComponent(".\(destination.lastPathComponent).\(UUID().uuidString).restore")
        defer { try? FileSystem.remove(staging) }
        if hash.isFolder {
            let manifest = try readManifest(hash)
            try FileSystem.createDirectory(staging)
            for (relative, fileHash) in manifest.files {
                let target = staging.appendingPathComponent(relative)
                try FileSystem.createDirectory(target.deletingLastPathComponent())
                try restoreFile(fileHash, to: target)
            }
        } else {
            try restoreFile(hash, to: staging)
        }
        try FileSystem.moveReplacing(staging, destination)
        if hash.isFolder {
            for (relative, fileHash) in try readManifest(hash).files {
                state.remember(destination.appendingPathComponent(relative).path, hash: fileHash)
            }
        } else {
            state.remember(destination.path, hash: hash)
        }
    }

    func restoreFile(_ hash: ContentHash, to target: URL) throws {
        let source = objectURL(hash)
        guard FileSystem.exists(source.path) else { throw CorruptObject(hash: hash, reason: "missing") }
        guard try FileDigest.copy(from: source, to: target) == hash else { throw quarantine(hash) }
        chmod(target.path, 0o644)
    }

    /// Removes a damaged object so that the next run rebuilds it instead of tripping on it again.
    private func quarantine(_ hash: ContentHash) -> CorruptObject {
        try? FileSystem.remove(objectURL(hash))
        return CorruptObject(hash: hash, reason: "its content does not match its hash; it was removed from the cache")
    }

    func newTemporary() throws -> URL {
        try FileSystem.createDirectory(tmp)
        return tmp.appendingPathComponent(UUID().uuidString)
    }

    // MARK: - Records and index

    func recordURL(_ key: String) -> URL {
        records.appendingPathComponent(String(key.prefix(2))).appendingPathComponent("\(key).json")
    }

    /// The record for `key` if it exists, is readable and names the key it is filed under.
    public func record(forKey key: String) -> StageRecord? {
        guard let data = FileManager.default.contents(atPath: recordURL(key).path),
              let record = try? JSONDecoder().decode(StageRecord.self, from: data),
              record.key == key else { return nil }
        return record
    }

    func write(_ record: StageRecord) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try FileSystem.writeAtomically(try encoder.encode(record), to: recordURL(record.key))
    }

    func indexURL(pipeline: String, stage: String) -> URL {
        index.appendingPathComponent(pipeline).appendingPathComponent("\(stage).json")
    }

    /// The record a stage last had, whoever ran it against this store.
    public func lastRecord(pipeline: String, stage: String) -> StageRecord? {
        guard let data = FileManager.default.contents(atPath: indexURL(pipeline: pipeline, stage: stage).path),
              let key = try? JSONDecoder().decode([String: String].self, from: data)["key"] else { return nil }
        return record(forKey: key)
    }

    func setLast(_ key: String, pipeline: String, stage: String) throws {
        try FileSystem.writeAtomically(try JSONEncoder().encode(["key": key]), to: indexURL(pipeline: pipeline, stage: stage))
    }

    // MARK: - Locks

    /// Held for a stage's whole check-run-publish, so two processes never run the same stage at once.
    func lock(key: String, interruption: Interruption = .shared, waiting: () -> Void) throws -> StoreLock {
        try StoreLock(lockURL(key: key), interruption: interruption, waiting: waiting)
    }

    func lockURL(key: String) -> URL { locks.appendingPathComponent("\(key).lock") }

    /// The work folder a stage with `key` resumes from (see `StageJob.resumeFolder`). Only touched under the key's
    /// lock; not created here.
    public func resumeFolder(key: String) -> URL {
        resume.appendingPathComponent(key, isDirectory: true)
    }

    /// The record of a command running for `key` (beside the key's lock).
    func leftoverCommand(key: String) -> LeftoverCommand {
        LeftoverCommand(record: locks.appendingPathComponent("\(key).command"), key: key)
    }

    /// Runs hold it shared; `cache gc` holds it exclusively, so it never deletes what a run is writing.
    func maintenanceLock(_ mode: StoreLock.Mode, waiting: () -> Void = {}) throws -> StoreLock {
        try StoreLock(root.appendingPathComponent("maintenance.lock"), mode, waiting: waiting)
    }
}

/// An object that is missing or does not match its hash.
public struct CorruptObject: Error, CustomStringConvertible {
    public var hash: ContentHash
    public var reason: String
    public var description: String { "cache object \(hash.short) is \(reason)" }
}
