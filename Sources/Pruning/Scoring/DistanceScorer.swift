import Llama

/// The distance scorer of pass 1: feeds every block's output to one `DistanceAccumulator` per mode and builds
/// their `DistanceTable`s for n = 1...maxN.
///
/// Quirk choice: by default the last block's output enters the table raw (`L_{L−1}`); with `finalNormQuirk` it is
/// `RMSNorm_final(L_{L−1})`, as HF's `hidden_states[-1]` makes the reference do (only windows that end at the last
/// block change).
public final class DistanceScorer: CalibrationObserver {
    /// One table to build: which positions, and whether the last block's output is final-normed.
    public struct Mode: Sendable, Equatable {
        public var tokens: DistanceTokens
        public var finalNormQuirk: Bool
        public init(tokens: DistanceTokens, finalNormQuirk: Bool = false) {
            self.tokens = tokens; self.finalNormQuirk = finalNormQuirk
        }
    }

    public let modes: [Mode]
    /// One accumulator per mode.
    public let accumulators: [DistanceAccumulator]
    private let model: LlamaModel
    private var normed: [Float] = []                   // normed: [R, D], final-normed last block output

    /// - Parameter perSampleLengths: also keep every sample's own distance for the windows of these lengths (screening).
    public init(model: LlamaModel, maxN: Int, modes: [Mode], perSampleLengths: Set<Int> = []) throws {
        let g = model.geometry
        self.model = model
        self.modes = modes
        accumulators = try modes.map {
            try DistanceAccumulator(numLayers: g.layerCount, maxN: maxN, width: g.hiddenSize, tokens: $0.tokens,
                                    perSampleLengths: perSampleLengths)
        }
    }

    public func observe(_ s: LayerStates, firstSample: Int) throws {
        let d = s.hiddenSize
        let last = s.layer == accumulators[0].numLayers - 1
        if last && modes.contains(where: \.finalNormQuirk) {
            if normed.count < s.rows * d { normed = [Float](repeating: 0, count: s.rows * d) }
            normed.withUnsafeMutableBufferPointer { model.applyFinalNorm(rows: s.rows, x: s.output, y: $0.baseAddress!) }
        }
        for (mode, acc) in zip(modes, accumulators) {
            if last && mode.finalNormQuirk {
                try normed.withUnsafeBufferPointer {
                    try acc.add(layer: s.layer, states: $0.baseAddress!, sampleRows: s.sampleRows, firstSample: firstSample)
                }
            } else {
                try acc.add(layer: s.layer, states: s.output, sampleRows: s.sampleRows, firstSample: firstSample)
            }
        }
    }

    /// Every row of the last block only for `.all`-token distances.
    public func needsAllRows(ofLayer layer: Int) -> Bool { modes.contains { $0.tokens == .all } }

    /// The tables, one per mode.
    public func tables() throws -> [DistanceTable] { try accumulators.map { try $0.table() } }

    /// Pass 1 alone: the tables of `modes` over the whole model.
    public static func profile(model: LlamaModel, calibration: CalibrationSet, maxN: Int, modes: [Mode],
                               batches: CalibrationBatches? = nil, progress: ((Int, Int) -> Void)? = nil) throws -> [DistanceTable] {
        let scorer = try DistanceScorer(model: model, maxN: maxN, modes: modes)
        try CalibrationRun(model: model, calibration: calibration, batches: batches)
            .run(through: model.geometry.layerCount - 1, observers: [scorer], progress: progress)
        return try scorer.tables()
    }

    /// Pass 1 alone, one mode.
    public static func profile(model: LlamaModel, calibration: CalibrationSet, maxN: Int, tokens: DistanceTokens,
                               finalNormQuirk: Bool = false, batches: CalibrationBatches? = nil,
                               progress: ((Int, Int) -> Void)? = nil) throws -> DistanceTable {
        try profile(model: model, calibration: calibration, maxN: maxN,
                    modes: [Mode(tokens: tokens, finalNormQuirk: finalNormQuirk)], batches: batches, progress: progress)[0]
    }
}
