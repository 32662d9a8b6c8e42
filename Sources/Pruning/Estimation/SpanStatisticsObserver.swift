import Llama
import TensorCore

/// Accumulates the least-squares statistics of several spans from the layer observer of one forward pass.
///
/// For span (s, n): at block s−1 it copies the batch's M_{s−1} and Y_{s−1} ([R, D] each); at block s+n−1 it adds
/// rows X = M_{s−1}, Z = L_{s+n−1} − Y_{s−1} to the span's `LeastSquaresAccumulator`. Spans may overlap and may
/// have different lengths, which lets pass 1 fit every candidate window at once (of one n for `prune`, of every n for
/// `sweep`); spans with the same kept block share one copy of its M and Y, freed once the last of them has ended.
/// `stopFitting` (between batches) and `observe(_:keep:)` (as a window ends) drop candidates (`CandidateScreen`),
/// freeing their statistics; a span's statistics are allocated when its first rows arrive, so a candidate dropped
/// before that never holds any.
/// Quirk choice: the target at the model's last block is the raw L_{L−1}, or RMSNorm_final(L_{L−1}) when
/// `finalNorm` is given (the reference's HF indexing).
public final class SpanStatisticsObserver: CalibrationObserver {
    public let spans: [Span]
    /// Which spans are still being fitted.
    public private(set) var alive: [Bool]
    /// Statistics of each span: nil before its first rows and once it was dropped.
    private var fitted: [LeastSquaresAccumulator?]
    /// The statistics of every span (all must still be fitted).
    public var stats: [LeastSquaresAccumulator] {
        precondition(alive.allSatisfy { $0 }, "a span was dropped")
        return spans.indices.map { statistics(at: $0)! }
    }
    private let numLayers: Int
    private let width: Int
    private let withResidual: Bool
    private let finalNorm: ((Int, UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void)?
    // held[k]: copies of M_k and Y_k ([R, D] each) of this batch, held from kept block k until the last fitted span
    // kept at k has ended; their buffers are returned to `spare` and reused (no fresh pages for every batch).
    private var held: [Int: (m: [Float], y: [Float])] = [:]
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
        self.withResidual = withResidual
        alive = spans.map { _ in true }
        fitted = spans.map { _ in nil }
    }

    /// The last block any span needs.
    public var lastLayer: Int { spans.map(\.lastRemoved).max() ?? -1 }

    /// Whether a span still fitted reads block k's activations (k is its kept block or its last removed one).
    public func readsLayer(_ k: Int) -> Bool {
        spans.indices.contains { alive[$0] && (spans[$0].keptLayer == k || spans[$0].lastRemoved == k) }
    }

    /// The statistics of `span`, or nil if it is not one of the spans or was dropped.
    public func statistics(of span: Span) -> LeastSquaresAccumulator? {
        spans.firstIndex(of: span).flatMap { statistics(at: $0) }
    }

    /// Span j's statistics (zero before its first rows), nil once dropped.
    private func statistics(at j: Int) -> LeastSquaresAccumulator? {
        alive[j] ? fitted[j] ?? LeastSquaresAccumulator(width: width, withResidual: withResidual) : nil
    }

    /// Stops fitting the spans whose `keep` entry is false and frees their statistics. Call between batches.
    public func stopFitting(keep: [Bool]) {
        precondition(keep.count == spans.count, "one flag per span")
        for j in spans.indices where !keep[j] { drop(j) }
    }

    /// Frees the held copies and reused buffers (the statistics stay): call once the pass is over.
    public func releaseBuffers() {
        held = [:]
        spare = []; scratch = []; normed = []
    }

    /// A copy of `count` floats from `source`, in a reused buffer.
    private func copy(_ source: UnsafePointer<Float>, count: Int) -> [Float] {
        var buffer = spare.popLast() ?? []
        if buffer.count < count { buffer = [Float](repeating: 0, count: count) }
        buffer.withUnsafeMutableBufferPointer { Kernels.copy(count: count, from: source, to: $0.baseAddress!) }
        return buffer
    }

    private func drop(_ j: Int) {
        alive[j] = false
        fitted[j] = nil
    }

    /// Returns to `spare` the copies no fitted span ending after block `layer` reads.
    private func releaseCopies(after layer: Int) {
        for k in Array(held.keys) where !spans.indices.contains(where: {
            alive[$0] && spans[$0].keptLayer == k && spans[$0].lastRemoved > layer
        }) {
            spare += [held[k]!.m, held[k]!.y]
            held[k] = nil
        }
    }

    /// - Parameter keep: asked for span j when its end block arrives, before its rows are added; false stops
    ///   fitting it (as `stopFitting`), e.g. when the distances so far already rule it out.
    public func observe(_ s: LayerStates, keep: (Int) -> Bool = { _ in true }) {
        let count = s.rows * width
        defer { releaseCopies(after: s.layer) }
        if held[s.layer] == nil && spans.indices.contains(where: { alive[$0] && spans[$0].keptLayer == s.layer }) {
            held[s.layer] = (copy(s.mlpOutput, count: count), copy(s.attentionResidual, count: count))
        }
        guard spans.indices.contains(where: {
            alive[$0] && spans[$0].lastRemoved == s.layer && held[spans[$0].keptLayer] != nil
        }) else { return }
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
        for (j, span) in spans.enumerated() where s.layer == span.lastRemoved && alive[j] {
            guard let h = held[span.keptLayer] else { continue }
            guard keep(j) else {
                drop(j)
                continue
            }
            if fitted[j] == nil { fitted[j] = LeastSquaresAccumulator(width: width, withResidual: withResidual) }
            h.m.withUnsafeBufferPointer { mb in
                h.y.withUnsafeBufferPointer { yb in
                    fitted[j]!.add(rows: s.rows, mlpOut: mb.baseAddress!, attnResidual: yb.baseAddress!,
                                 spanOut: target, scratch: &scratch)
                }
            }
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
