/// What a `Split`-style pre-tokenizer does with the delimiters it finds (HF `SplitDelimiterBehavior`).
enum SplitBehavior: String, Sendable {
    case removed = "Removed"
    case isolated = "Isolated"
    case mergedWithPrevious = "MergedWithPrevious"
    case mergedWithNext = "MergedWithNext"
    case contiguous = "Contiguous"

    /// Turns `parts` (consecutive ranges tiling a piece, each flagged as a delimiter match or not) into the
    /// resulting pieces, appended to `out` without empty ones.
    func apply(_ parts: [(range: Range<Int>, isMatch: Bool)], into out: inout [Range<Int>]) {
        var acc: [Range<Int>] = []
        switch self {
        case .removed:
            acc = parts.filter { !$0.isMatch }.map(\.range)
        case .isolated:
            acc = parts.map(\.range)
        case .mergedWithPrevious:
            // A match joins the piece before it, unless that piece was itself a match.
            var previousMatch = false
            for (r, m) in parts {
                if m && !previousMatch, let last = acc.last {
                    acc[acc.count - 1] = last.lowerBound..<r.upperBound
                } else {
                    acc.append(r)
                }
                previousMatch = m
            }
        case .mergedWithNext:
            // Walking backwards: a match joins the piece after it, unless that piece was itself a match.
            var previousMatch = false
            for (r, m) in parts.reversed() {
                if m && !previousMatch, let last = acc.last {
                    acc[acc.count - 1] = r.lowerBound..<last.upperBound
                } else {
                    acc.append(r)
                }
                previousMatch = m
            }
            acc.reverse()
        case .contiguous:
            // Runs of consecutive matches (or of consecutive non-matches) become one piece.
            var previousMatch = false
            for (r, m) in parts {
                if m == previousMatch, let last = acc.last {
                    acc[acc.count - 1] = last.lowerBound..<r.upperBound
                } else {
                    acc.append(r)
                }
                previousMatch = m
            }
        }
        for r in acc where !r.isEmpty { out.append(r) }
    }

    /// Flags the gaps between `matches` (sorted, non-overlapping, inside `range`) so the parts tile `range`.
    static func parts(of range: Range<Int>, matches: [Range<Int>], invert: Bool) -> [(range: Range<Int>, isMatch: Bool)] {
        var parts: [(range: Range<Int>, isMatch: Bool)] = []
        if range.isEmpty { return [(range, false)] }
        var prev = range.lowerBound
        for m in matches {
            if prev != m.lowerBound { parts.append((prev..<m.lowerBound, invert)) }
            parts.append((m, !invert))
            prev = m.upperBound
        }
        if prev != range.upperBound { parts.append((prev..<range.upperBound, invert)) }
        return parts
    }
}
