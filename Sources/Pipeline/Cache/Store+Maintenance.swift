import Foundation

/// Copying between stores, garbage collection and verification.
extension Store {
    /// Every record in the store.
    func allRecords() -> [StageRecord] {
        let keys = (try? FileSystem.filesUnder(records))?.compactMap { path -> String? in
            path.hasSuffix(".json") ? String(path.split(separator: "/").last!.dropLast(5)) : nil
        } ?? []
        return keys.compactMap(record(forKey:))
    }

    /// Every object a record needs: its outputs and, for folders, their manifests' files.
    func objects(of record: StageRecord) throws -> [ContentHash] {
        var found: [ContentHash] = []
        for output in record.outputs.values {
            guard let hash = output.hash else { continue }
            found.append(hash)
            if hash.isFolder { found += try readManifest(hash).files.map(\.hash) }
        }
        return found
    }

    public struct TransferReport: Sendable {
        public var records = 0
        public var objects = 0
        public var bytes: Int64 = 0
        /// Items made one by one (see `memoized`) copied with their objects.
        public var memos = 0
    }

    /// Copies the records `destination` lacks, and their objects (verified on the way), objects first and each
    /// record last: an interrupted push leaves the destination consistent.
    public func transfer(to destination: Store) throws -> TransferReport {
        var report = TransferReport()
        let maintenance = try destination.maintenanceLock(.shared)
        defer { withExtendedLifetime(maintenance) {} }
        for record in allRecords() where destination.record(forKey: record.key) == nil {
            for hash in try objects(of: record) where !destination.hasObject(hash) {
                let data = try readVerified(hash)
                try destination.storeBytes(data, as: hash)
                report.objects += 1
                report.bytes += Int64(data.count)
            }
            try destination.write(record)
            report.records += 1
        }
        // Items made one by one go along too, so a teammate's larger run reuses them.
        for (key, hash) in allMemos() where destination.memoizedHash(key) == nil {
            if !destination.hasObject(hash) {
                let data = try readVerified(hash)
                try destination.storeBytes(data, as: hash)
                report.objects += 1
                report.bytes += Int64(data.count)
            }
            try FileSystem.writeAtomically(Data((hash.value + "\n").utf8), to: destination.memoURL(key))
            report.memos += 1
        }
        return report
    }

    public struct CollectReport: Sendable {
        public var records = 0
        public var objects = 0
        /// Item memos removed: those whose object no kept record uses.
        public var memos = 0
        /// The bytes of the objects removed.
        public var bytes: Int64 = 0
        /// Resume folders removed (work that failed, interrupted or killed runs left for a rerun), and their bytes.
        public var resumeFolders = 0
        public var resumeBytes: Int64 = 0
        /// Resume folders kept because another process holds their key's lock.
        public var resumeFoldersInUse = 0
    }

    /// Keeps the record each stage of each pipeline last had, the objects they need and the item memos naming
    /// those objects; removes the rest, the
    /// resume folders of unfinished runs (so a rerun of such a stage starts afresh), and leftovers of interrupted
    /// writes. Holds the maintenance lock, so no run is writing meanwhile.
    public func collectGarbage() throws -> CollectReport {
        var report = CollectReport()
        let lock = try maintenanceLock(.exclusive)
        defer { withExtendedLifetime(lock) {} }

        var keep = Set<String>()
        for path in (try? FileSystem.filesUnder(index)) ?? [] {
            if let data = FileManager.default.contents(atPath: index.appendingPathComponent(path).path),
               let key = try? JSONDecoder().decode([String: String].self, from: data)["key"] {
                keep.insert(key)
            }
        }
        var liveObjects = Set<String>()
        for record in allRecords() {
            if keep.contains(record.key) {
                for hash in (try? objects(of: record)) ?? [] { liveObjects.insert(hash.value) }
            } else {
                try FileSystem.remove(recordURL(record.key))
                report.records += 1
            }
        }
        // An item made on its own stays while a kept record still uses its object.
        for path in (try? FileSystem.filesUnder(memos)) ?? [] {
            let key = String(path.split(separator: "/").last ?? "")
            if let hash = memoizedHash(key), liveObjects.contains(hash.value) { continue }
            try FileSystem.remove(memos.appendingPathComponent(path))
            report.memos += 1
        }
        for path in (try? FileSystem.filesUnder(objects)) ?? [] {
            let hash = path.replacingOccurrences(of: "/", with: "")
            guard !liveObjects.contains(hash) else { continue }
            let url = objects.appendingPathComponent(path)
            report.bytes += FileSystem.stat(url.path)?.size ?? 0
            try FileSystem.remove(url)
            report.objects += 1
        }
        try FileSystem.remove(tmp)
        try sweepResumeFoldersAndLocks(&report)
        return report
    }

    /// Removes every resume folder and lock file whose key no process holds. Runs take the maintenance lock shared
    /// before any key's lock, so while gc holds it exclusively that is all of them; trying each key's lock first
    /// still keeps the work folder of a process that locked a key without it (an older dbrun, a tool) from being
    /// deleted under its feet. A key's files are removed while gc holds its lock.
    private func sweepResumeFoldersAndLocks(_ report: inout CollectReport) throws {
        let manager = FileManager.default
        var held = Set<String>()
        for key in ((try? manager.contentsOfDirectory(atPath: resume.path)) ?? []).sorted() {
            let folder = resumeFolder(key: key)
            guard let lock = StoreLock(tryLocking: lockURL(key: key)) else {
                held.insert(key)
                report.resumeFoldersInUse += 1
                continue
            }
            let bytes = ((try? FileSystem.filesUnder(folder)) ?? []).reduce(Int64(0)) {
                $0 + (FileSystem.stat(folder.appendingPathComponent($1).path)?.size ?? 0)
            }
            try FileSystem.remove(folder)
            withExtendedLifetime(lock) {}
            report.resumeFolders += 1
            report.resumeBytes += bytes
        }
        if held.isEmpty { try FileSystem.remove(resume) }

        // locks/KEY.lock and locks/KEY.command (a command's pid), grouped by key.
        let names = (try? manager.contentsOfDirectory(atPath: locks.path)) ?? []
        let byKey = Dictionary(grouping: names) { name in name.split(separator: ".", maxSplits: 1).first.map(String.init) ?? name }
        for (key, files) in byKey where !held.contains(key) {
            let lock = files.contains("\(key).lock") ? StoreLock(tryLocking: lockURL(key: key)) : nil
            if files.contains("\(key).lock") && lock == nil { held.insert(key); continue }
            for file in files { try FileSystem.remove(locks.appendingPathComponent(file)) }
            withExtendedLifetime(lock) {}
        }
        if held.isEmpty { try FileSystem.remove(locks) }
    }

    /// Every problem in the store: objects whose bytes do not match their names, records that name missing objects.
    public func verify() -> [String] {
        var problems: [String] = []
        for path in (try? FileSystem.filesUnder(objects)) ?? [] {
            let hash = ContentHash(path.replacingOccurrences(of: "/", with: ""))
            let url = objectURL(hash)
            let actual = hash.isFolder
                ? FileManager.default.contents(atPath: url.path).map { ContentHash.sha256Hex($0) + ".dir" }
                : try? FileDigest.sha256(of: url).hash.value
            if actual != hash.value { problems.append("object \(hash.value) does not match its content") }
        }
        for path in (try? FileSystem.filesUnder(records)) ?? [] where path.hasSuffix(".json") {
            let key = String(path.split(separator: "/").last!.dropLast(5))
            guard let record = record(forKey: key) else {
                problems.append("record \(path) is unreadable or misfiled")
                continue
            }
            do {
                for hash in try objects(of: record) where !hasObject(hash) {
                    problems.append("record \(key.prefix(12)) (\(record.pipeline)/\(record.stage)) needs missing object \(hash.short)")
                }
            } catch {
                problems.append("record \(key.prefix(12)) (\(record.pipeline)/\(record.stage)): \(error)")
            }
        }
        return problems
    }
}
