import Llama

/// Pass 2: streams the calibration set through the model up to the end of the last span and accumulates, for every
/// span, the least-squares statistics of its transform (see `LeastSquaresAccumulator`):
///
///     X = M_{s−1} (MLP output of the kept block),  Z = L_{s+n−1} − Y_{s−1},  over every token row.
///
/// All spans are fitted on the original model's activations in this one pass (a later span is not refitted on
/// the model with the earlier spans already replaced). The kept block's M and Y are held (one batch's rows) until
/// the span's last block has run. Quirk choice: the target at the model's last block is the raw `L_{L−1}` unless
/// `finalNormQuirk` (then `RMSNorm_final(L_{L−1})`, as the reference's HF indexing gives).
public enum StatisticsCollector {
    public static func collect(model: LlamaModel, calibration: CalibrationSet, spans: [Span],
                               finalNormQuirk: Bool = false, batches: CalibrationBatches? = nil,
                               progress: ((Int, Int) -> Void)? = nil) throws -> [LeastSquaresAccumulator] {
        let g = model.geometry
        let d = g.hiddenSize
        guard let lastLayer = spans.map(\.lastRemoved).max() else { return [] }
        var stats = spans.map { _ in LeastSquaresAccumulator(width: d) }
        let plan = batches ?? CalibrationBatches(samples: calibration.samples, seqLen: calibration.seqLen)
        var scratch: [Float] = []
        var done = 0
        let total = plan.ranges.count * (lastLayer + 1)
        for range in plan.ranges {
            let batch = CalibrationBatches.batch(calibration, range)
            // Per span: copies of M_{s−1} and Y_{s−1} of this batch, [R, D] each.
            var held = [(m: [Float], y: [Float])?](repeating: nil, count: spans.count)
            let observer = ClosureObserver { s in
                let count = s.rows * d
                for (j, span) in spans.enumerated() {
                    if s.layer == span.keptLayer {
                        held[j] = (Array(UnsafeBufferPointer(start: s.mlpOutput, count: count)),
                                   Array(UnsafeBufferPointer(start: s.attentionResidual, count: count)))
                    }
                    if s.layer == span.lastRemoved, let h = held[j] {
                        var target = UnsafePointer(s.output)
                        var normed: [Float] = []
                        if finalNormQuirk && s.layer == g.layerCount - 1 {
                            normed = [Float](repeating: 0, count: count)
                            normed.withUnsafeMutableBufferPointer { model.applyFinalNorm(rows: s.rows, x: s.output, y: $0.baseAddress!) }
                        }
                        normed.withUnsafeBufferPointer { nb in
                            if finalNormQuirk && s.layer == g.layerCount - 1 { target = nb.baseAddress! }
                            h.m.withUnsafeBufferPointer { mb in
                                h.y.withUnsafeBufferPointer { yb in
                                    stats[j].add(rows: s.rows, mlpOut: mb.baseAddress!, attnResidual: yb.baseAddress!,
                                                 spanOut: target, scratch: &scratch)
                                }
                            }
                        }
                        held[j] = nil
                    }
                }
                done += 1
                progress?(done, total)
            }
            try model.forward(batch, through: lastLayer, observer: observer)
        }
        for (j, span) in spans.enumerated() { try stats[j].checkFinite(layer: span.keptLayer) }
        return stats
    }
}
