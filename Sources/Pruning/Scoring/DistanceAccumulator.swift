import Foundation
import TensorCore

/// Streams block outputs and accumulates the sums behind a `DistanceTable`, without holding all activations.
///
/// Feed the output `L_k` of every block k = 0...L−1 for every sample (in `.last` mode only the last row of each
/// sample is kept, as a unit vector in Float64; in `.all` mode the unit rows of the last `maxN` blocks of the
/// current samples are kept in Float32 and each new block is compared with them at once). Blocks of the same
/// samples must arrive in increasing k. For parity with the reference, pass `RMSNorm_final(L_{L−1})` as the last
/// state (HF's `hidden_states[-1]` quirk); by default pass the raw `L_{L−1}`.
public final class DistanceAccumulator {
    public let numLayers: Int
    public let maxN: Int
    public let width: Int
    public let tokens: DistanceTokens

    // sums[n-1][s-1]: Σ angdist over positions for window (s, n); counts likewise.
    private var sums: [[Double]]
    private var counts: [[Int]]
    // .last: unit[k][sample] = unit vector of L_k at the sample's last token, [D] Float64.
    private var lastUnit: [[Int: [Double]]]
    // .all: unit rows of recent blocks, keyed by layer then by the batch's first sample: [R, D] Float32.
    private var recent: [Int: [Int: [Float]]] = [:]
    private var sampleIDs = Set<Int>()
    private var positions = 0
    /// The window lengths whose per-sample distances are kept (empty: none).
    public let perSampleLengths: Set<Int>
    // perSample[n][s-1][sample]: the distance of window (s, n) for each sample (its mean over positions in
    // `.all` mode), for n in `perSampleLengths`; kept for `CandidateScreen`.
    private var perSample: [Int: [[Int: Double]]]

    /// - Parameter perSampleLengths: also keep every sample's own distance for the windows of these lengths.
    public init(numLayers: Int, maxN: Int, width: Int, tokens: DistanceTokens, perSampleLengths: Set<Int> = []) throws {
        try SpanSelector.validate(n: maxN, numLayers: numLayers)
        precondition(perSampleLengths.allSatisfy { (1...maxN).contains($0) }, "per-sample lengths must be in 1...maxN")
        self.numLayers = numLayers; self.maxN = maxN; self.width = width; self.tokens = tokens
        self.perSampleLengths = perSampleLengths
        perSample = Dictionary(uniqueKeysWithValues: perSampleLengths.map { ($0, [[Int: Double]](repeating: [:], count: numLayers - $0)) })
        sums = (1...maxN).map { [Double](repeating: 0, count: numLayers - $0) }
        counts = (1...maxN).map { [Int](repeating: 0, count: numLayers - $0) }
        lastUnit = [[Int: [Double]]](repeating: [:], count: numLayers)
    }

    /// Adds block k's output for a batch of samples.
    /// - Parameters:
    ///   - layer: block index k (0-based); the state is L_k.
    ///   - states: [R, D] row-major Float32, the rows of all samples of the batch.
    ///   - sampleRows: per sample, its row range in `states`; sample i of the batch is global sample `firstSample + i`.
    public func add(layer: Int, states: UnsafePointer<Float>, sampleRows: [Range<Int>], firstSample: Int) throws {
        precondition(layer >= 0 && layer < numLayers, "layer index out of range")
        let d = width
        switch tokens {
        case .last:
            for (i, r) in sampleRows.enumerated() where !r.isEmpty {
                let row = states + (r.upperBound - 1) * d
                lastUnit[layer][firstSample + i] = try unitVector64(row, layer: layer)
                sampleIDs.insert(firstSample + i)
            }
            guard layer >= 1 else { return }
            for n in 1...min(maxN, layer) {
                let a = layer - n   // window start s = a + 1
                for (i, _) in sampleRows.enumerated() {
                    guard let u = lastUnit[a][firstSample + i], let v = lastUnit[layer][firstSample + i] else { continue }
                    let angle = Self.angular(UnitVectors.dot64(u, v))
                    sums[n - 1][a] += angle
                    counts[n - 1][a] += 1
                    if perSample[n] != nil { perSample[n]![a][firstSample + i] = angle }
                }
            }
            // Unit vectors older than maxN blocks are no longer needed.
            if layer - maxN >= 0 {
                for i in sampleRows.indices { lastUnit[layer - maxN][firstSample + i] = nil }
            }
        case .all:
            let rows = sampleRows.map(\.upperBound).max() ?? 0
            var unit = [Float](repeating: 0, count: rows * d)   // unit: [R, D]
            for r in sampleRows {
                for t in r {
                    let ok = unit.withUnsafeMutableBufferPointer { UnitVectors.unit32(states + t * d, count: d, into: $0.baseAddress! + t * d) }
                    if !ok { throw Self.noDirection(states + t * d, d, layer: layer) }
                }
            }
            let nRows = sampleRows.reduce(0) { $0 + $1.count }
            if layer == 0 {
                positions += nRows
                for i in sampleRows.indices { sampleIDs.insert(firstSample + i) }
            }
            if layer >= 1 {
                for n in 1...min(maxN, layer) {
                    let a = layer - n
                    guard let u = recent[a]?[firstSample] else { continue }
                    var total = 0.0
                    unit.withUnsafeBufferPointer { vb in
                        u.withUnsafeBufferPointer { ub in
                            for (i, r) in sampleRows.enumerated() where !r.isEmpty {
                                var sample = 0.0
                                for t in r {
                                    sample += Self.angular(Double(Kernels.dot(count: d, a: ub.baseAddress! + t * d, b: vb.baseAddress! + t * d)))
                                }
                                total += sample
                                if perSample[n] != nil { perSample[n]![a][firstSample + i] = sample / Double(r.count) }
                            }
                        }
                    }
                    sums[n - 1][a] += total
                    counts[n - 1][a] += nRows
                }
            }
            recent[layer, default: [:]][firstSample] = unit
            recent[layer - maxN]?[firstSample] = nil
            if recent[layer - maxN]?.isEmpty == true { recent[layer - maxN] = nil }
        }
    }

    /// Per-sample distances of the windows of length n seen so far: [start − 1][k], samples in increasing global
    /// index (the same samples for every start once their batch is complete). Empty unless n is in
    /// `perSampleLengths`.
    public func sampleDistances(n: Int) -> [[Double]] {
        (perSample[n] ?? []).map { bySample in bySample.keys.sorted().map { bySample[$0]! } }
    }

    /// The finished table (means of the accumulated sums).
    public func table() throws -> DistanceTable {
        var rows = sums
        for n in 1...maxN {
            for a in rows[n - 1].indices {
                let c = counts[n - 1][a]
                guard c > 0 else {
                    throw PruningError.shapeMismatch(what: "distance window start \(a + 1), n = \(n)",
                                                     expected: "at least one position", actual: "none (missing block outputs)")
                }
                rows[n - 1][a] /= Double(c)
            }
        }
        let pos = tokens == .last ? sampleIDs.count : positions
        return DistanceTable(numLayers: numLayers, maxN: maxN, tokens: tokens, samples: sampleIDs.count,
                             positions: pos, rows: rows)
    }

    /// arccos(clamp(c, −1, 1)) / π.
    static func angular(_ c: Double) -> Double { acos(min(1, max(-1, c))) / Double.pi }

    private func unitVector64(_ row: UnsafePointer<Float>, layer: Int) throws -> [Double] {
        guard let v = UnitVectors.unit64(row, count: width) else { throw Self.noDirection(row, width, layer: layer) }
        return v
    }

    /// The error for a hidden state with zero or non-finite norm.
    static func noDirection(_ row: UnsafePointer<Float>, _ d: Int, layer: Int) -> PruningError {
        var ss = 0.0
        for j in 0..<d { ss += Double(row[j]) * Double(row[j]) }
        return .nonFinite(statistic: "hidden-state norm (\(ss.squareRoot())) for the distance", layer: layer)
    }
}
