/// Normalized relative paths, one component per level, with the stage that writes each: finds which written
/// paths a path overlaps (is, is inside, or contains) in time linear in its length, where comparing against every
/// written path would be quadratic in the number of outputs.
struct PathTrie {
    private var children: [[Substring: Int]] = [[:]]
    /// The writers of exactly this path, in insertion order.
    private var writersHere: [[String]] = [[]]
    /// The writers of this path and every path inside it, in insertion order.
    private var writersBelow: [[String]] = [[]]

    private static func components(_ path: String) -> [Substring] {
        path.split(separator: "/", omittingEmptySubsequences: true)
    }

    mutating func insert(_ path: String, writer: String) {
        var node = 0
        // A stage's outputs are inserted together, so skipping a repeat of the last writer keeps one entry per stage.
        if writersBelow[0].last != writer { writersBelow[0].append(writer) }
        for part in Self.components(path) {
            if let next = children[node][part] {
                node = next
            } else {
                children.append([:])
                writersHere.append([])
                writersBelow.append([])
                children[node][part] = children.count - 1
                node = children.count - 1
            }
            if writersBelow[node].last != writer { writersBelow[node].append(writer) }
        }
        writersHere[node].append(writer)
    }

    /// The first writer (in insertion order among the candidates) of a path that overlaps `path`.
    func firstOverlap(_ path: String) -> String? {
        overlapping(path, limit: 1).first
    }

    /// Writers of `path`, of a folder it is inside, or of a path inside it.
    func overlapping(_ path: String, limit: Int = .max) -> [String] {
        let parts = Self.components(path)
        guard !parts.isEmpty else { return [] }  // the workspace itself is nobody's output
        var found: [String] = []
        var node = 0
        for part in parts {
            found += writersHere[node]
            if found.count >= limit { return Array(found.prefix(limit)) }
            guard let next = children[node][part] else { return found }
            node = next
        }
        found += writersBelow[node]
        return Array(found.prefix(limit))
    }
}
