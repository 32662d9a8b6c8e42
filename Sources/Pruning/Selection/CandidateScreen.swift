import Foundation

/// Which candidate windows can still end with the lowest mean distance, judged from the per-sample distances seen
/// so far. The fused pass uses it to stop fitting candidates that are clearly out of the running.
///
/// The fused pass fits every candidate window of length n while pass 1 runs, but only one will be used, and most
/// are far behind after the first batch. With the current leader b (lowest mean over the k samples seen) and, for
/// candidate c, the paired per-sample differences δ_i = d(c)_i − d(b)_i (same samples, so the samples' common
/// difficulty cancels), c is dropped when
///
///     mean(δ) > z · sd(δ) / √k        (a one-sided paired test; z = 4 is p ≈ 0.003 at k = 8, Student's t),
///
/// and only once k ≥ `minimumSamples`. Dropping changes speed, never results: if a dropped window wins in the end,
/// the prune fits it in a second pass (`Pruner`), so the chosen span and its T are the same either way.
public struct CandidateScreen: Sendable {
    /// Critical value of the paired test.
    public var z: Double
    /// Samples needed before any candidate is dropped.
    public var minimumSamples: Int

    public init(z: Double = 4, minimumSamples: Int = 4) {
        self.z = z; self.minimumSamples = minimumSamples
    }

    /// - Parameters:
    ///   - distances: [candidate][sample], every candidate over the same samples in the same order.
    ///   - alive: the candidates still being fitted.
    /// - Returns: `alive` with the candidates that can no longer lead turned off (the leader is never dropped).
    public func survivors(distances: [[Double]], alive: [Bool]) -> [Bool] {
        precondition(distances.count == alive.count, "one row of distances per candidate")
        let k = distances.first?.count ?? 0
        guard k >= minimumSamples, distances.allSatisfy({ $0.count == k }) else { return alive }
        let means = distances.map { $0.reduce(0, +) / Double(k) }
        guard let leader = means.indices.min(by: { (means[$0], $0) < (means[$1], $1) }) else { return alive }
        return alive.indices.map { c in
            guard alive[c], c != leader else { return alive[c] }
            let delta = zip(distances[c], distances[leader]).map { $0 - $1 }
            let mean = delta.reduce(0, +) / Double(k)
            let variance = delta.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(k - 1)
            return mean <= z * (variance / Double(k)).squareRoot()
        }
    }
}
