import Llama
import TensorCore

/// Accumulates the least-squares statistics of several spans from the layer observer of one forward pass.
///
/// For span (s, n): at block s−1 it copies the batch's M_{s−1} and Y_{s−1} ([R, D] each); at block s+n−1 it adds
/// rows X = M_{s−1}, Z = L_{s+n−1} − Y_{s−1} to the span's `LeastSquaresAccumulator` and drops the copies. Spans may
/// overlap (each has its own copies), which lets pass 1 fit every candidate window at once; `stopFitting` (between
/// batches) and `observe(_:keep:)` (as a window ends) drop candidates (`CandidateScreen`), freeing their statistics.
/// Quirk choice: the target at the model's last block is the raw L_{L−1}, or RMSNorm_final(L_{L−1}) when
/// `finalNorm` is given (the reference's HF indexing).
public final class SpanStatisticsObserver: CalibrationObserver {
    public let spans: [Span]
    /// Statistics of each span; nil once the span was dropped by `stopFitting`.
    public private(set) var fitted: [LeastSquaresAccumulator?]
    /// The statistics of every span (all must still be fitted).
    public var stats: [LeastSquaresAccumulator] { fitted.map { $0! } }
    /// Which spans are still being fitted.
    public var alive: [Bool] { fitted.map { $0 != nil } }
    private let numLayers: Int
    private let width: Int
    private let finalNorm: ((Int, UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void)?
    // Copies of M_{s−1} and Y_{s−1} ([R, D] each) held from the kept block to the span's end; their buffers are
    // returned to `spare` and reused (no fresh pages for every batch).
    private var held: [(m: [Float], y: [Float])?]
    private var spare: [[Float]] = []
    private var scratch: [Float] = []
    /// Targets from elsewhere, by end block: when set for block k (this batch's [R, D]), spans ending at k regress
    /// onto these rows instead of the block's own output (`--targets dense`: the dense model's L at the same depth).
    public var externalTargets: [Int: [Float]] = [:]
    private var normed: [Float] = []

    /// - Parameters:
    ///   - finalNorm: `(rows, x, y)` writing RMSNorm_final(x) into y, for `--final-norm-quirk`; nil for raw.
    ///   - withResidual: also accumulate the statistics of magnitude compensation (`LeastSquaresAccumulator`).
    public init(spans: [Span], numLayers: Int, width: Int,
                finalNorm: ((Int, UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void)? = nil,
                withResidual: Bool = false) {
        self.spans = spans; self.numLayers = numLayers; self.width = width; self.finalNorm = finalNorm
        fitted = spans.map { _ in LeastSquaresAccumulator(width: width, withResidual: withResidual) }
        held = spans.map { _ in nil }
    }

    /// The last block any span needs.
    public var lastLayer: Int { spans.map(\.lastRemoved).max() ?? -1 }

    /// Whether a span still fitted reads block k's activations (k is its kept block or its last removed one).
    public func readsLayer(_ k: Int) -> Bool {
        spans.indices.contains { fitted[$0] != nil && (spans[$0].keptLayer == k || spans[$0].lastRemoved == k) }
    }

    /// The statistics of `span`, or nil if it is not one of the spans or was dropped.
    public func statistics(of span: Span) -> LeastSquaresAccumulator? {
        spans.firstIndex(of: span).flatMap { fitted[$0] }
    }

    /// Stops fitting the spans whose `keep` entry is false and frees their statistics. Call between batches.
    public func stopFitting(keep: [Bool]) {
        precondition(keep.count == spans.count, "one flag per span")
        for j in spans.indices where !keep[j] {
            fitted[j] = nil
            release(j)
        }
    }

    /// Frees the held copies and reused buffers (the statistics stay): call once the pass is over.
    public func releaseBuffers() {
        held = spans.map { _ in nil }
        spare = []; scratch = []; normed = []
    }

    /// A copy of `count` floats from `source`, in a reused buffer.
    private func copy(_ source: UnsafePointer<Float>, count: Int) -> [Float] {
        var buffer = spare.popLast() ?? []
        if buffer.count < count { buffer = [Float](repeating: 0, count: count) }
        buffer.withUnsafeMutableBufferPointer { Kernels.copy(count: count, from: source, to: $0.baseAddress!) }
        return buffer
    }

    private func release(_ j: Int) {
        if let h = held[j] { spare += [h.m, h.y] }
        held[j] = nil
    }

    /// - Parameter keep: asked for span j when its end block arrives, before its rows are added; false stops
    ///   fitting it (as `stopFitting`), e.g. when the distances so far already rule it out.
    public func observe(_ s: LayerStates, keep: (Int) -> Bool = { _ in true }) {
        let count = s.rows * width
        for (j, span) in spans.enumerated() where s.layer == span.keptLayer && fitted[j] != nil {
            held[j] = (copy(s.mlpOutput, count: count), copy(s.attentionResidual, count: count))
        }
        guard spans.indices.contains(where: { spans[$0].lastRemoved == s.layer && held[$0] != nil }) else { return }
        if let external = externalTargets[s.layer] {
            precondition(external.count == count, "external targets must be [R, D] of this batch")
            external.withUnsafeBufferPointer { accumulate(s, output: $0.baseAddress!, keep: keep) }
        } else {
            accumulate(s, output: s.output, keep: keep)
        }
    }

    /// Applies the final-norm quirk at the model's last block, then adds the rows. output: [R, D].
    private func accumulate(_ s: LayerStates, output: UnsafePointer<Float>, keep: (Int) -> Bool) {
        let count = s.rows * width
        if let norm = finalNorm, s.layer == numLayers - 1 {
            if normed.count < count { normed = [Float](repeating: 0, count: count) }
            normed.withUnsafeMutableBufferPointer { norm(s.rows, output, $0.baseAddress!) }
            let target = normed
            target.withUnsafeBufferPointer { accumulate(s, target: $0.baseAddress!, keep: keep) }
        } else {
            accumulate(s, target: output, keep: keep)
        }
    }

    /// Adds this batch's rows to every span ending at block `s.layer`. target: [R, D], L_{s+n−1} (or its norm).
    private func accumulate(_ s: LayerStates, target: UnsafePointer<Float>, keep: (Int) -> Bool) {
        for (j, span) in spans.enumerated() where s.layer == span.lastRemoved {
            guard let h = held[j] else { continue }
            guard keep(j) else {
                fitted[j] = nil
                release(j)
                continue
            }
            h.m.withUnsafeBufferPointer { mb in
                h.y.withUnsafeBufferPointer { yb in
                    fitted[j]!.add(rows: s.rows, mlpOut: mb.baseAddress!, attnResidual: yb.baseAddress!,
                                 spanOut: target, scratch: &scratch)
                }
            }
            release(j)
        }
    }

    public func observe(_ states: LayerStates, firstSample: Int) throws { observe(states) }

    /// Every row of the blocks a fitted span reads.
    public func needsAllRows(ofLayer layer: Int) -> Bool { readsLayer(layer) }

    /// Pass 2: the statistics of `spans` (X = M_{s−1}, Z = L_{s+n−1} − Y_{s−1} over every token row), streaming the
    /// calibration set to the end of the last span. All spans are fitted on the original model's activations in
    /// this one pass (a later span is not refitted on the model with the earlier spans already replaced).
    public static func collect(model: LlamaModel, calibration: CalibrationSet, spans: [Span], finalNormQuirk: Bool = false,
                               withResidual: Bool = false,
                               batches: CalibrationBatches? = nil, progress: ((Int, Int) -> Void)? = nil) throws -> [LeastSquaresAccumulator] {
        guard !spans.isEmpty else { return [] }
        let g = model.geometry
        let collector = SpanStatisticsObserver(spans: spans, numLayers: g.layerCount, width: g.hiddenSize,
                                               finalNorm: finalNormQuirk ? { model.applyFinalNorm(rows: $0, x: $1, y: $2) } : nil,
                                               withResidual: withResidual)
        try CalibrationRun(model: model, calibration: calibration, batches: batches)
            .run(through: collector.lastLayer, observers: [collector], progress: progress)
        try collector.checkFinite()
        return collector.stats
    }

    /// Throws `PruningError.nonFinite` naming the kept layer of the first fitted span whose statistics are not finite.
    public func checkFinite() throws {
        for (j, span) in spans.enumerated() { try fitted[j]?.checkFinite(layer: span.keptLayer) }
    }
}
