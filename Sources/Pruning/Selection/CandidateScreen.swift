import Foundation

/// Which candidate windows can still end among the `keep` lowest mean distances (the lowest alone by default),
/// judged from the per-sample distances seen so far. The fused pass uses it to stop fitting candidates that are
/// clearly out of the running.
///
/// The fused pass fits every candidate window of length n while pass 1 runs, but only one (or K) will be used,
/// and most are far behind after the first batch. With the current reference b (the `keep`-th lowest mean over
/// the k samples seen: the leader when `keep` is 1) and, for candidate c, the paired per-sample differences
/// δ_i = d(c)_i − d(b)_i (same samples, so the samples' common difficulty cancels), c is dropped when
///
///     mean(δ) > z · sd(δ) / √k        (a one-sided paired test; z = 4 is p ≈ 0.003 at k = 8, Student's t),
///
/// and only once k ≥ `minimumSamples`; the `keep` lowest so far are never dropped. Dropping changes speed, never
/// results: if a dropped window wins in the end (or, with `--select perplexity`, where `keep` is the shortlist's K,
/// is shortlisted), the prune fits it in a second pass (`Pruner`), so the chosen span and its T are the same
/// either way.
public struct CandidateScreen: Sendable {
    /// Critical value of the paired test.
    public var z: Double
    /// Samples needed before any candidate is dropped.
    public var minimumSamples: Int
    /// How many of the lowest candidates are wanted (the shortlist of a selection by perplexity; 1: the winner).
    public var keep: Int

    public init(z: Double = 4, minimumSamples: Int = 4, keep: Int = 1) {
        self.z = z; self.minimumSamples = minimumSamples; self.keep = max(1, keep)
    }

    /// - Parameters:
    ///   - distances: [candidate][sample], every candidate over the same samples in the same order.
    ///   - alive: the candidates still being fitted.
    /// - Returns: `alive` with the candidates that can no longer rank among the `keep` lowest turned off (the `keep`
    ///   lowest so far are never dropped).
    public func survivors(distances: [[Double]], alive: [Bool]) -> [Bool] {
        precondition(distances.count == alive.count, "one row of distances per candidate")
        let k = distances.first?.count ?? 0
        guard k >= minimumSamples, distances.allSatisfy({ $0.count == k }), keep < distances.count else { return alive }
        let means = distances.map { $0.reduce(0, +) / Double(k) }
        let ranked = means.indices.sorted { (means[$0], $0) < (means[$1], $1) }
        let protected = Set(ranked.prefix(keep)), reference = ranked[keep - 1]
        return alive.indices.map { c in
            guard alive[c], !protected.contains(c) else { return alive[c] }
            let delta = zip(distances[c], distances[reference]).map { $0 - $1 }
            let mean = delta.reduce(0, +) / Double(k)
            let variance = delta.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(k - 1)
            return mean <= z * (variance / Double(k)).squareRoot()
        }
    }
}
