import Llama

/// The fused pass's estimator with its screen: fits every candidate window of one length at once
/// (`SpanStatisticsObserver`) while the distance scorer runs, and stops fitting the candidates that can no longer
/// win (`CandidateScreen`, a paired per-sample test on the distances): as each window ends in a batch, against the
/// windows that have ended so far, and after each batch, against all. Observe it after the scorer, so the
/// distances of the current layer are in.
public final class ScreenedCandidates: CalibrationObserver {
    public let fit: SpanStatisticsObserver
    private let distances: DistanceAccumulator
    private let screen: (_ distances: [[Double]], _ alive: [Bool]) -> [Bool]
    private let lastLayer: Int
    /// Candidates fitted through each batch (alive at its end, before the end-of-batch screen).
    public private(set) var fittedPerBatch: [Int] = []

    /// - Parameters:
    ///   - distances: the scorer's accumulator keeping per-sample distances of the candidates' length.
    ///   - screen: (per-sample distances per candidate, alive) → keep.
    public init(fit: SpanStatisticsObserver, distances: DistanceAccumulator, numLayers: Int,
                screen: @escaping (_ distances: [[Double]], _ alive: [Bool]) -> [Bool]) {
        self.fit = fit; self.distances = distances; self.screen = screen; lastLayer = numLayers - 1
    }

    public func observe(_ s: LayerStates, firstSample: Int) throws {
        fit.observe(s) { j in self.stillInTheRunning(j) }
    }

    public func batchEnded() throws {
        fittedPerBatch.append(fit.alive.filter { $0 }.count)
        let perSample = distances.sampleDistances()
        fit.stopFitting(keep: screen(fit.spans.map { perSample[$0.start - 1] }, fit.alive))
    }

    public func needsAllRows(ofLayer layer: Int) -> Bool { fit.readsLayer(layer) }

    /// Whether candidate j, whose window has just ended in the current batch, can still win: judged against the
    /// windows that have ended so far (those whose per-sample distances include this batch), the others waiting
    /// for the end of the batch.
    func stillInTheRunning(_ j: Int) -> Bool {
        let perSample = distances.sampleDistances()
        let rows = fit.spans.map { perSample[$0.start - 1] }
        let complete = rows.map(\.count).max() ?? 0
        let comparable = fit.spans.indices.filter { rows[$0].count == complete }
        guard let me = comparable.firstIndex(of: j) else { return true }
        let alive = fit.alive
        return screen(comparable.map { rows[$0] }, comparable.map { alive[$0] })[me]
    }
}
