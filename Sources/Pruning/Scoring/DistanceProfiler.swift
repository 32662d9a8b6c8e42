import Llama

/// Pass 1: runs the calibration set through the whole model and builds the `DistanceTable` for n = 1...maxN.
///
/// Quirk choice: by default the last block's output enters the table raw (`L_{L−1}`); with `finalNormQuirk` it is
/// `RMSNorm_final(L_{L−1})`, as HF's `hidden_states[-1]` makes the reference do (only windows that end at the last
/// block change).
public enum DistanceProfiler {
    /// One table to build: which positions, and whether the last block's output is final-normed.
    public struct Mode: Sendable, Equatable {
        public var tokens: DistanceTokens
        public var finalNormQuirk: Bool
        public init(tokens: DistanceTokens, finalNormQuirk: Bool = false) {
            self.tokens = tokens; self.finalNormQuirk = finalNormQuirk
        }
    }

    public static func profile(model: LlamaModel, calibration: CalibrationSet, maxN: Int, tokens: DistanceTokens,
                               finalNormQuirk: Bool = false, batches: CalibrationBatches? = nil,
                               progress: ((Int, Int) -> Void)? = nil) throws -> DistanceTable {
        try profile(model: model, calibration: calibration, maxN: maxN,
                    modes: [Mode(tokens: tokens, finalNormQuirk: finalNormQuirk)], batches: batches, progress: progress)[0]
    }

    /// Several tables from one pass over the calibration set (one per mode).
    /// - Parameters:
    ///   - alsoObserve: a second observer fed in the same forward passes (e.g. `SpanStatisticsObserver`
    ///     fitting every candidate window at once, so pass 2 is not needed), with the accumulators (one per mode)
    ///     already holding this layer's distances.
    ///   - alsoObserveNeedsLastLayer: whether `alsoObserve` needs every row of the last layer in the coming batch
    ///     (nil: it does, when given). When neither it nor any mode does (`.last` tokens only), the last layer runs
    ///     for each sample's last token only (`FinalLayerRows.lastTokens`).
    ///   - perSampleN: keep per-sample distances of the windows of this length (`DistanceAccumulator.sampleDistances`).
    ///   - afterBatch: called with the accumulators (one per mode) after each batch has gone through every layer.
    public static func profile(model: LlamaModel, calibration: CalibrationSet, maxN: Int, modes: [Mode],
                               batches: CalibrationBatches? = nil,
                               alsoObserve: ((LayerStates, [DistanceAccumulator]) throws -> Void)? = nil,
                               alsoObserveNeedsLastLayer: (() -> Bool)? = nil, perSampleN: Int? = nil,
                               afterBatch: (([DistanceAccumulator]) throws -> Void)? = nil,
                               progress: ((Int, Int) -> Void)? = nil) throws -> [DistanceTable] {
        let g = model.geometry
        let layers = g.layerCount, d = g.hiddenSize
        let accumulators = try modes.map {
            try DistanceAccumulator(numLayers: layers, maxN: maxN, width: d, tokens: $0.tokens, perSampleN: perSampleN)
        }
        let plan = batches ?? CalibrationBatches(samples: calibration.samples, seqLen: calibration.seqLen)
        var normed: [Float] = []                       // normed: [R, D], final-normed last block output
        var done = 0
        let total = plan.ranges.count * layers
        for range in plan.ranges {
            let batch = CalibrationBatches.batch(calibration, range)
            let observer = ClosureObserver { s in
                let last = s.layer == layers - 1
                if last && modes.contains(where: \.finalNormQuirk) {
                    if normed.count < s.rows * d { normed = [Float](repeating: 0, count: s.rows * d) }
                    normed.withUnsafeMutableBufferPointer { model.applyFinalNorm(rows: s.rows, x: s.output, y: $0.baseAddress!) }
                }
                for (mode, acc) in zip(modes, accumulators) {
                    if last && mode.finalNormQuirk {
                        try normed.withUnsafeBufferPointer {
                            try acc.add(layer: s.layer, states: $0.baseAddress!, sampleRows: s.sampleRows,
                                        firstSample: range.lowerBound)
                        }
                    } else {
                        try acc.add(layer: s.layer, states: s.output, sampleRows: s.sampleRows, firstSample: range.lowerBound)
                    }
                }
                try alsoObserve?(s, accumulators)
                done += 1
                progress?(done, total)
            }
            let observerNeedsRows = alsoObserve != nil && (alsoObserveNeedsLastLayer?() ?? true)
            let lastTokensOnly = !observerNeedsRows && modes.allSatisfy { $0.tokens == .last }
            try model.forward(batch, through: layers - 1, observer: observer, finalRows: lastTokensOnly ? .lastTokens : .all)
            try afterBatch?(accumulators)
        }
        return try accumulators.map { try $0.table() }
    }
}
