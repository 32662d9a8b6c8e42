import Llama

/// The fused pass's estimator with its screen: fits every candidate window at once (`SpanStatisticsObserver`)
/// while the distance scorer runs, and stops fitting the candidates that can no longer win (`CandidateScreen`, a
/// paired per-sample test on the distances): as each window ends in a batch, against the windows of its length that
/// have ended so far, and after each batch, against all of its length. Candidates of several lengths (a sweep's
/// n = 2, 4, 6, 8) are screened length by length: a window competes only with the windows of its own length.
/// Observe it after the scorer, so the distances of the current layer are in.
public final class ScreenedCandidates: CalibrationObserver {
    public let fit: SpanStatisticsObserver
    private let distances: DistanceAccumulator
    private let screen: (_ distances: [[Double]], _ alive: [Bool]) -> [Bool]
    /// The candidates of each length: indices into `fit.spans`, by span length.
    private let byLength: [Int: [Int]]
    /// Candidates fitted through each batch (alive at its end, before the end-of-batch screen).
    public private(set) var fittedPerBatch: [Int] = []

    /// - Parameters:
    ///   - distances: the scorer's accumulator keeping per-sample distances of every candidate length
    ///     (`perSampleLengths`).
    ///   - screen: (per-sample distances per candidate, alive) → keep; called with the candidates of one length.
    public init(fit: SpanStatisticsObserver, distances: DistanceAccumulator,
                screen: @escaping (_ distances: [[Double]], _ alive: [Bool]) -> [Bool]) {
        self.fit = fit; self.distances = distances; self.screen = screen
        byLength = Dictionary(grouping: fit.spans.indices, by: { fit.spans[$0].count })
        precondition(byLength.keys.allSatisfy(distances.perSampleLengths.contains),
                     "the accumulator must keep per-sample distances of every candidate length")
    }

    /// Every valid window of each length in `lengths` (`SpanSelector.validStarts`), fitted on `model`'s activations;
    /// `finalNormQuirk` and `withResidual` as for `SpanStatisticsObserver`.
    public convenience init(everyWindowOf lengths: [Int], model: LlamaModel, finalNormQuirk: Bool, withResidual: Bool,
                            distances: DistanceAccumulator, screen: @escaping (_ distances: [[Double]], _ alive: [Bool]) -> [Bool]) {
        let g = model.geometry
        let spans = lengths.flatMap { n in SpanSelector.validStarts(n: n, numLayers: g.layerCount).map { Span(start: $0, count: n) } }
        self.init(fit: SpanStatisticsObserver(spans: spans, numLayers: g.layerCount, width: g.hiddenSize,
                                              finalNorm: finalNormQuirk ? { [model] in model.applyFinalNorm(rows: $0, x: $1, y: $2) } : nil,
                                              withResidual: withResidual),
                  distances: distances, screen: screen)
    }

    public func observe(_ s: LayerStates, firstSample: Int) throws {
        fit.observe(s) { j in self.stillInTheRunning(j) }
    }

    public func batchEnded() throws {
        fittedPerBatch.append(fit.alive.filter { $0 }.count)
        var keep = fit.alive
        for (n, members) in byLength {
            let perSample = distances.sampleDistances(n: n)
            let kept = screen(members.map { perSample[fit.spans[$0].start - 1] }, members.map { keep[$0] })
            for (j, k) in zip(members, kept) { keep[j] = k }
        }
        fit.stopFitting(keep: keep)
    }

    public func needsAllRows(ofLayer layer: Int) -> Bool { fit.readsLayer(layer) }

    /// Whether candidate j, whose window has just ended in the current batch, can still win: judged against the
    /// windows of its length that have ended so far (those whose per-sample distances include this batch), the
    /// others waiting for the end of the batch.
    func stillInTheRunning(_ j: Int) -> Bool {
        let n = fit.spans[j].count, members = byLength[n]!
        let perSample = distances.sampleDistances(n: n)
        let rows = members.map { perSample[fit.spans[$0].start - 1] }
        let complete = rows.map(\.count).max() ?? 0
        let comparable = members.indices.filter { rows[$0].count == complete }
        guard let me = comparable.firstIndex(where: { members[$0] == j }) else { return true }
        let alive = fit.alive
        return screen(comparable.map { rows[$0] }, comparable.map { alive[members[$0]] })[me]
    }
}
