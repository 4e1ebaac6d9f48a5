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
        return report
    }

    public struct CollectReport: Sendable {
        public var records = 0
        public var objects = 0
        public var bytes: Int64 = 0
    }

    /// Keeps the record each stage of each pipeline last had and the objects they need; removes the rest, and
    /// leftovers of interrupted writes. Holds the maintenance lock, so no run is writing meanwhile.
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
        for path in (try? FileSystem.filesUnder(objects)) ?? [] {
            let hash = path.replacingOccurrences(of: "/", with: "")
            guard !liveObjects.contains(hash) else { continue }
            let url = objects.appendingPathComponent(path)
            report.bytes += FileSystem.stat(url.path)?.size ?? 0
            try FileSystem.remove(url)
            report.objects += 1
        }
        try FileSystem.remove(tmp)
        try FileSystem.remove(locks)  // no run holds a stage lock while we hold the maintenance lock exclusively
        return report
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
