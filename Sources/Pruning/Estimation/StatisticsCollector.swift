import Llama

/// Pass 2: streams the calibration set through the model up to the end of the last span and accumulates, for every
/// span, the least-squares statistics of its transform (see `LeastSquaresAccumulator`, `SpanStatisticsObserver`):
///
///     X = M_{s−1} (MLP output of the kept block),  Z = L_{s+n−1} − Y_{s−1},  over every token row.
///
/// All spans are fitted on the original model's activations in this one pass (a later span is not refitted on
/// the model with the earlier spans already replaced).
public enum StatisticsCollector {
    public static func collect(model: LlamaModel, calibration: CalibrationSet, spans: [Span],
                               finalNormQuirk: Bool = false, batches: CalibrationBatches? = nil,
                               progress: ((Int, Int) -> Void)? = nil) throws -> [LeastSquaresAccumulator] {
        guard !spans.isEmpty else { return [] }
        let g = model.geometry
        let collector = SpanStatisticsObserver(spans: spans, numLayers: g.layerCount, width: g.hiddenSize,
                                               finalNorm: finalNormQuirk ? { model.applyFinalNorm(rows: $0, x: $1, y: $2) } : nil)
        let plan = batches ?? CalibrationBatches(samples: calibration.samples, seqLen: calibration.seqLen)
        var done = 0
        let total = plan.ranges.count * (collector.lastLayer + 1)
        for range in plan.ranges {
            let observer = ClosureObserver { s in
                collector.observe(s)
                done += 1
                progress?(done, total)
            }
            try model.forward(CalibrationBatches.batch(calibration, range), through: collector.lastLayer, observer: observer)
        }
        try collector.checkFinite()
        return collector.stats
    }
}
