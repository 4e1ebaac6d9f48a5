/// Byte-level BPE over vocabulary ids, with CLIP's end-of-word marker.
///
/// A word starts as one symbol per UTF-8 byte, the last one carrying `</w>`; then, as in the reference
/// implementation, the adjacent pair with the lowest merge rank is merged everywhere in the word (left to right),
/// until no pair has a rank. Symbols are vocabulary ids and merges are looked up by the pair of ids, so no strings
/// are built while encoding.
struct BytePairEncoder: Sendable {
    /// The id of each byte's alphabet character, and of the same with `</w>`.
    let byteIDs: [Int32]
    let finalByteIDs: [Int32]
    /// (left id, right id) packed into 64 bits → (rank, merged id) packed the same way.
    let merges: [UInt64: UInt64]

    static func key(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    /// The ids of one pre-tokenized word.
    func encode(_ word: String) -> [Int32] {
        var symbols: [Int32] = word.utf8.map { byteIDs[Int($0)] }
        guard let last = word.utf8.last else { return [] }
        symbols[symbols.count - 1] = finalByteIDs[Int(last)]

        while symbols.count > 1 {
            var best: (rank: UInt32, left: Int32, right: Int32, merged: Int32)?
            for i in 0..<symbols.count - 1 {
                guard let entry = merges[Self.key(symbols[i], symbols[i + 1])] else { continue }
                let rank = UInt32(entry >> 32)
                if best == nil || rank < best!.rank {
                    best = (rank, symbols[i], symbols[i + 1], Int32(truncatingIfNeeded: entry))
                }
            }
            guard let best else { break }
            var merged: [Int32] = []
            merged.reserveCapacity(symbols.count)
            var i = 0
            while i < symbols.count {
                if i + 1 < symbols.count, symbols[i] == best.left, symbols[i + 1] == best.right {
                    merged.append(best.merged)
                    i += 2
                } else {
                    merged.append(symbols[i])
                    i += 1
                }
            }
            symbols = merged
        }
        return symbols
    }
}
