import Foundation

/// Items cached one by one, below the level of a stage: a stage that makes many independent items (class images,
/// each from its own seed) files each under the hash of what made it, so raising the count keeps the items made so
/// far, an interrupted run resumes item by item, and two pipelines that ask for the same item share it.
///
/// A memo holds only the item's content hash; the bytes are an object like any other, verified when read.
extension Store {
    var memos: URL { root.appendingPathComponent("memos") }

    func memoURL(_ key: String) -> URL {
        memos.appendingPathComponent(String(key.prefix(2))).appendingPathComponent(key)
    }

    /// The memo key of an item: the SHA-256 of its identity's canonical JSON.
    public static func memoKey(_ identity: PlainValue) -> String {
        ContentHash.sha256Hex(Data(identity.canonicalJSON.utf8))
    }

    /// The object an item's memo names, if the memo and its object are both there.
    func memoizedHash(_ key: String) -> ContentHash? {
        guard let data = FileManager.default.contents(atPath: memoURL(key).path),
              let text = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines),
              text.count == 64, text.allSatisfy(\.isHexDigit) else { return nil }
        let hash = ContentHash(text)
        return hasObject(hash) ? hash : nil
    }

    /// Puts the item filed under `key` at `destination`, made by `produce` (into the URL it is given) only when the
    /// store lacks it or `remake` is set; returns whether it was taken from the store. The item is stored before its
    /// memo is written, so a kill at any moment leaves either no memo or a complete item.
    @discardableResult
    public func memoized(key: String, at destination: URL, remake: Bool = false, produce: (URL) throws -> Void) throws -> Bool {
        try FileSystem.createDirectory(destination.deletingLastPathComponent())
        if !remake, let hash = memoizedHash(key) {
            do {
                try restoreFile(hash, to: destination)
                return true
            } catch is CorruptObject {
                // Quarantined by the read: make the item again below.
            }
        }
        let made = try newTemporary()
        defer { try? FileSystem.remove(made) }
        try produce(made)
        let hash = try FileDigest.sha256(of: made).hash
        if !hasObject(hash) { try storeFile(made, expecting: hash) }
        try FileSystem.writeAtomically(Data((hash.value + "\n").utf8), to: memoURL(key))
        try restoreFile(hash, to: destination)
        return false
    }

    /// Every memo's key and object hash.
    func allMemos() -> [(key: String, hash: ContentHash)] {
        ((try? FileSystem.filesUnder(memos)) ?? []).compactMap { path in
            let key = String(path.split(separator: "/").last ?? "")
            return memoizedHash(key).map { (key, $0) }
        }
    }
}
