/// Mean angular distances between residual-stream states, for every span length n in 1...maxN and every start.
///
/// For a window (start s, length n) the score is
///
///     d(s, n) = mean over positions p of  arccos( clamp( ⟨L_{s−1}[p], L_{s+n−1}[p]⟩ / (‖L_{s−1}[p]‖·‖L_{s+n−1}[p]‖), −1, 1 ) ) / π
///
/// with `L_k` the output of block k (0-based), so the window compares the input of the first removed block with the
/// output of the last one, exactly the reference's `angdist(H[l][last], H[l+n][last])` with `l = s − 1`. Positions
/// are each sample's last token (the reference) or all tokens. Values lie in [0, 1].
public struct DistanceTable: Sendable, Equatable, Codable {
    /// Number of transformer blocks L of the model.
    public var numLayers: Int
    /// Largest span length in the table.
    public var maxN: Int
    /// Positions averaged over.
    public var tokens: DistanceTokens
    /// Number of calibration samples.
    public var samples: Int
    /// Positions averaged per window (samples for `.last`, samples × seqLen for `.all`).
    public var positions: Int
    /// `rows[n − 1][s − 1]` = d(s, n) for s in 1...numLayers − n.
    public var rows: [[Double]]

    public init(numLayers: Int, maxN: Int, tokens: DistanceTokens, samples: Int, positions: Int, rows: [[Double]]) {
        self.numLayers = numLayers; self.maxN = maxN; self.tokens = tokens
        self.samples = samples; self.positions = positions; self.rows = rows
    }

    /// The distances for span length n, indexed by start − 1 (starts 1...numLayers − n).
    public func distances(n: Int) -> [Double] { rows[n - 1] }

    /// d(s, n).
    public func distance(start: Int, n: Int) -> Double { rows[n - 1][start - 1] }

    /// The start with the lowest distance for length n (earliest on ties).
    public func bestStart(n: Int) -> Int {
        let row = rows[n - 1]
        var best = 0
        for i in row.indices where row[i] < row[best] { best = i }
        return best + 1
    }
}
