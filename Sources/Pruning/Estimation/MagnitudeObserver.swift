import Llama
import TensorCore

/// Prune&Comp's magnitude scale for a span removed without a transform (`--method drop --compensate scale`),
/// accumulated in the calibration pass without storing activations.
///
/// For every block k it sums |L_k[t, c]| over all token rows t (Float64, [D] per block). For the span (i, n) the
/// removed blocks' input is L_{i−1} and the next block's input is L_{i+n−1}, and
///
///     s = mean_c ( Σ_t |L_{i+n−1}[t, c]| / Σ_t |L_{i−1}[t, c]| )
///
/// over the channels whose denominator is not 0 (the same rows in both sums, so sums stand for means). Written as
/// in `ScaledTransformSolver`: every layer after the span writes ÷ s.
public final class MagnitudeObserver: CalibrationObserver {
    public let numLayers: Int
    public let width: Int
    /// Σ_t |L_k[t, c]|: [L][D].
    public private(set) var sums: [[Double]]
    public private(set) var rows: [Int]

    public init(numLayers: Int, width: Int) {
        self.numLayers = numLayers; self.width = width
        sums = Array(repeating: [Double](repeating: 0, count: width), count: numLayers)
        rows = Array(repeating: 0, count: numLayers)
    }

    public func observe(_ s: LayerStates, firstSample: Int) throws {
        sums[s.layer].withUnsafeMutableBufferPointer {
            Statistics64.accumulateAbsColumnSums(rows: s.rows, cols: width, x: s.output, ldx: width, sums: $0.baseAddress!)
        }
        rows[s.layer] += s.rows
    }

    /// Every row of every block (the span is chosen after the pass).
    public func needsAllRows(ofLayer layer: Int) -> Bool { true }

    /// s for `span` (its kept block's output against its last removed block's output).
    public func scale(of span: Span) throws -> Double {
        let a = sums[span.keptLayer], b = sums[span.lastRemoved]
        guard rows[span.keptLayer] > 0, rows[span.keptLayer] == rows[span.lastRemoved] else {
            throw PruningError.shapeMismatch(what: "magnitude sums of \(span)", expected: "the same rows at both ends",
                                             actual: "\(rows[span.keptLayer]) and \(rows[span.lastRemoved])")
        }
        var total = 0.0, channels = 0
        for c in 0..<width where a[c] > 0 { total += b[c] / a[c]; channels += 1 }
        let s = channels > 0 ? total / Double(channels) : 1
        guard s.isFinite, s > 0 else { throw PruningError.nonFinite(statistic: "compensation scale s = \(s)", layer: span.keptLayer) }
        return s
    }
}
