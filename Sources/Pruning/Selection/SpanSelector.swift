/// Chooses which spans of blocks to remove from a distance table, as the reference does
/// (`select_non_overlapping_blocks`):
///
/// 1. windows of length n, one per start s ∈ 1...L−n, with score d(s);
/// 2. sort by d ascending, stable (an earlier start wins ties);
/// 3. greedily accept a window when none of its layers is already taken, until K are accepted;
/// 4. sort the accepted windows by start and merge runs where one starts where the previous ends
///    (adjacent windows become one span with one transform).
public enum SpanSelector {
    /// Checks that n layers can be removed from `numLayers`: 1 ≤ n ≤ numLayers − 2.
    public static func validate(n: Int, numLayers: Int) throws {
        guard n >= 1, n <= numLayers - 2 else { throw PruningError.spanTooLong(n: n, numLayers: numLayers) }
    }

    /// The starts a window of length n may take: 1...numLayers − n.
    public static func validStarts(n: Int, numLayers: Int) -> ClosedRange<Int> { 1...(numLayers - n) }

    /// A span forced by `--start`, validated.
    public static func forced(start: Int, n: Int, numLayers: Int) throws -> Span {
        try validate(n: n, numLayers: numLayers)
        guard validStarts(n: n, numLayers: numLayers).contains(start) else {
            throw PruningError.spanOutOfRange(start: start, n: n, numLayers: numLayers)
        }
        return Span(start: start, count: n)
    }

    /// The K lowest-distance non-overlapping windows of length n, merged where adjacent.
    /// - Parameter distances: `distances[i]` is d for start `i + 1`, for every start in 1...numLayers − n.
    public static func select(distances: [Double], n: Int, spans k: Int, numLayers: Int) throws -> [Span] {
        try validate(n: n, numLayers: numLayers)
        let starts = validStarts(n: n, numLayers: numLayers)
        guard distances.count == starts.count else {
            throw PruningError.shapeMismatch(what: "distance row for n = \(n)", expected: "\(starts.count) starts",
                                             actual: "\(distances.count)")
        }
        if let bad = distances.firstIndex(where: { !$0.isFinite }) {
            throw PruningError.nonFinite(statistic: "angular distance (n = \(n), start \(bad + 1))", layer: bad + 1)
        }
        let order = distances.indices.sorted { a, b in
            distances[a] != distances[b] ? distances[a] < distances[b] : a < b
        }
        var used = Set<Int>()
        var accepted: [Span] = []
        for i in order where accepted.count < k {
            let span = Span(start: i + 1, count: n)
            if span.layers.allSatisfy({ !used.contains($0) }) {
                accepted.append(span)
                used.formUnion(span.layers)
            }
        }
        guard accepted.count == k else {
            throw PruningError.tooManySpans(requested: k, placed: accepted.count, n: n, numLayers: numLayers)
        }
        return merge(accepted)
    }

    /// Sorts spans by start and merges those where one begins at the previous one's end.
    public static func merge(_ spans: [Span]) -> [Span] {
        var merged: [Span] = []
        for s in spans.sorted(by: { $0.start < $1.start }) {
            if let last = merged.last, last.end == s.start {
                merged[merged.count - 1].count += s.count
            } else {
                merged.append(s)
            }
        }
        return merged
    }
}
