/// "Did you mean …?" for a misspelt key, kind or stage name.
public enum Suggestion {
    /// Words longer than this get no suggestion: a typo hint is for names, and the distance is quadratic in length.
    static let maxWordLength = 100

    /// The candidate closest to `word`, if it is close enough to be a plausible typo.
    ///
    /// Cost is bounded per candidate: one whose length differs by more than the allowed edits is skipped without
    /// a comparison, and a comparison stops as soon as every path through its table is over the limit.
    public static func nearest(to word: String, among candidates: some Sequence<String>) -> String? {
        let w = Array(word.lowercased())
        guard w.count <= maxWordLength else { return nil }
        let limit = max(2, w.count / 3)
        var best: (String, Int)?
        for candidate in candidates {
            let bound = min(limit, (best?.1 ?? .max) - 1)
            guard bound >= 0, abs(candidate.count - w.count) <= bound, candidate.count <= maxWordLength else { continue }
            if let d = editDistance(w, Array(candidate.lowercased()), limit: bound) { best = (candidate, d) }
        }
        return best?.0
    }

    /// A hint sentence for `nearest`, or nil.
    public static func didYouMean(_ word: String, among candidates: some Sequence<String>) -> String? {
        nearest(to: word, among: candidates).map { "did you mean '\($0)'?" }
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        editDistance(Array(a), Array(b), limit: .max)!
    }

    /// Levenshtein distance with adjacent transpositions counted as one edit (the usual typo), or nil once it
    /// is sure to exceed `limit`.
    static func editDistance(_ a: [Character], _ b: [Character], limit: Int) -> Int? {
        if a.isEmpty { return b.count <= limit ? b.count : nil }
        if b.isEmpty { return a.count <= limit ? a.count : nil }
        var prev2 = [Int](repeating: 0, count: b.count + 1)
        var prev = Array(0...b.count)
        var cur = [Int](repeating: 0, count: b.count + 1)
        var previousMin = 0
        for i in 1...a.count {
            cur[0] = i
            var rowMin = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    cur[j] = min(cur[j], prev2[j - 2] + 1)
                }
                rowMin = min(rowMin, cur[j])
            }
            // A transposition reaches back two rows, so stop only when this row and the last are both over.
            if rowMin > limit, previousMin > limit { return nil }
            previousMin = rowMin
            (prev2, prev, cur) = (prev, cur, prev2)
        }
        return prev[b.count] <= limit ? prev[b.count] : nil
    }
}
