import Llama
import TensorCore

/// Collects `SpanRows` for each of several spans from one calibration pass (`CalibrationRun`): at the kept block
/// s−1 it copies the kept rows of M_{s−1} and Y_{s−1}; at the last removed block it stores L_{s+n−1} (or, with
/// `finalNorm`, RMSNorm_final of it, the reference's indexing quirk at the model's last block) and, for the
/// surrogate objective, turns the Y held in `target` into Z = L_{s+n−1} − Y in place (two matrices held, not three).
public final class SpanRowsObserver: CalibrationObserver {
    public let spans: [Span]
    public let rows: [SpanRows]
    private let seqLen: Int
    private let numLayers: Int
    private let finalNorm: ((Int, UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void)?
    private var normed: [Float] = []

    /// - Parameters:
    ///   - budget: bytes the rows of all spans may take together; beyond it each span keeps an even subsample.
    public init(spans: [Span], samples: Int, seqLen: Int, numLayers: Int, width: Int, surrogate: Bool, budget: Int,
                finalNorm: ((Int, UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void)? = nil) {
        self.spans = spans; self.seqLen = seqLen; self.numLayers = numLayers; self.finalNorm = finalNorm
        let total = samples * seqLen
        let stride = SpanRows.stride(total: total, width: width, surrogate: surrogate, budget: budget / max(spans.count, 1))
        rows = spans.map { _ in SpanRows(total: total, width: width, stride: stride, surrogate: surrogate) }
    }

    /// The last block any span reads.
    public var lastLayer: Int { spans.map(\.lastRemoved).max() ?? -1 }

    public func observe(_ s: LayerStates, firstSample: Int) throws {
        for (j, span) in spans.enumerated() where s.layer == span.keptLayer || s.layer == span.lastRemoved {
            if s.layer == span.keptLayer { store(s, rows[j], firstSample: firstSample, kept: true, end: s.output) }
            guard s.layer == span.lastRemoved else { continue }
            if let norm = finalNorm, s.layer == numLayers - 1 {
                let count = s.rows * s.hiddenSize
                if normed.count < count { normed = [Float](repeating: 0, count: count) }
                normed.withUnsafeMutableBufferPointer { norm(s.rows, s.output, $0.baseAddress!) }
                normed.withUnsafeBufferPointer { store(s, rows[j], firstSample: firstSample, kept: false, end: $0.baseAddress!) }
            } else {
                store(s, rows[j], firstSample: firstSample, kept: false, end: s.output)
            }
        }
    }

    /// Stores the kept rows of this batch: M and Y at the kept block (`kept`), L_end (`end`, [R, D]) at the last
    /// removed one.
    private func store(_ s: LayerStates, _ store: SpanRows, firstSample: Int, kept: Bool, end: UnsafePointer<Float>) {
        let d = s.hiddenSize
        for (i, range) in s.sampleRows.enumerated() {
            precondition(range.count == seqLen, "SpanRowsObserver needs every row of each window")
            for t in 0..<seqLen {
                guard let slot = store.slot((firstSample + i) * seqLen + t) else { continue }
                let row = (range.lowerBound + t) * d, dst = slot * d
                if kept {
                    copyRow(s.mlpOutput + row, into: &store.x, at: dst, width: d)
                    if store.surrogate {
                        copyRow(s.attentionResidual + row, into: &store.target, at: dst, width: d)
                    } else {
                        copyRow(s.attentionResidual + row, into: &store.residual!, at: dst, width: d)
                    }
                } else if store.surrogate {
                    // target holds Y from the kept block; Z = L_end − Y replaces it.
                    store.target.withUnsafeMutableBufferPointer {
                        RowGather.reverseDifference(count: d, x: end + row, y: $0.baseAddress! + dst)
                    }
                } else {
                    copyRow(end + row, into: &store.target, at: dst, width: d)
                }
            }
        }
    }

    private func copyRow(_ source: UnsafePointer<Float>, into buffer: inout [Float], at offset: Int, width: Int) {
        buffer.withUnsafeMutableBufferPointer { ($0.baseAddress! + offset).update(from: source, count: width) }
    }

    /// Every row of the blocks a span reads.
    public func needsAllRows(ofLayer layer: Int) -> Bool {
        spans.contains { $0.keptLayer == layer || $0.lastRemoved == layer }
    }
}
