import Llama

/// Selection by calibration perplexity (`--select perplexity`): among the K windows of length n with the lowest
/// angular distance, the one whose edited model, each with its own estimate (T for ReplaceMe), has the lowest
/// perplexity on the first W calibration windows. The candidates run as edits of the same model, resuming from the
/// residual stream entering each candidate's span (`PerplexityEvaluator.evaluate(edits:)`), so the shared prefix is
/// computed once per batch (the dense model runs only as far as the latest candidate's span, without its head,
/// unless `.kl` needs its distribution); the calibration windows are scored as they are (no BOS added, the first token of each
/// unscored). With `metric` `.kl` (`--select kl`) the score is instead the mean KL divergence of each candidate's
/// next-token distribution from the dense model's on the same windows (`KLDivergenceAccumulator`; the head runs
/// twice per candidate).
///
/// With `racing` (the default), the windows are scored one at a time and a candidate stops being scored once the
/// paired test of `CandidateScreen` (per-window scores, against the lowest mean so far) says it cannot end lowest:
/// mean(δ) > z · sd(δ) / √k over the k windows seen, from k = 3 (z = 4: p ≈ 0.03 at k = 3, 0.003 at k = 8 for
/// a candidate truly no worse, Student's t). The lowest so far is never dropped, so the winner is scored on all W
/// windows and chosen among the candidates that were (`best`); dropped candidates report the windows they ran.
/// Unlike the fused pass's screen this can change the choice, when a candidate that trails by four standard
/// errors on the first windows would have overtaken on the rest; `racing` nil scores every candidate on every
/// window.
public struct PerplexitySelector: Sendable {
    /// What ranks the candidates.
    public enum Metric: String, Sendable, Codable {
        case perplexity, kl
    }
    public static let defaultCandidates = 8
    public static let defaultWindows = 8
    public var candidates: Int
    public var windows: Int
    public var metric: Metric
    /// The test that stops scoring a candidate early (nil: every candidate on every window).
    public var racing: CandidateScreen?
    /// The race `racing` defaults to.
    public static let defaultRacing = CandidateScreen(z: 4, minimumSamples: 3)
    public init(candidates: Int, windows: Int, metric: Metric = .perplexity, racing: CandidateScreen? = Self.defaultRacing) {
        self.candidates = candidates; self.windows = windows; self.metric = metric; self.racing = racing
    }

    /// One candidate span, its distance, and the calibration perplexity of the model without it.
    public struct Candidate: Codable, Sendable {
        public var start: Int
        public var end: Int
        public var distance: Double
        public var perplexity: Double
        /// Mean KL divergence from the dense model (nats per token), with `metric` `.kl`.
        public var klDivergence: Double?
        /// Calibration windows the candidate was scored on (fewer than the selection's when the race dropped it).
        public var windows: Int
        /// The value the selection minimises.
        public func score(_ metric: Metric) -> Double { metric == .kl ? klDivergence ?? .nan : perplexity }
    }

    /// The K lowest-distance windows of length n, lowest first (ties: the earlier start).
    public func shortlist(_ table: DistanceTable, n: Int) -> [Span] {
        let d = table.distances(n: n)
        let order = d.indices.sorted { (d[$0], $0) < (d[$1], $1) }
        return order.prefix(candidates).map { Span(start: $0 + 1, count: n) }
    }

    /// The index of the chosen candidate: the lowest score among those scored on the most windows (every one, or
    /// those the race kept to the end); ties go to the earlier.
    public func best(_ scored: [Candidate]) -> Int {
        let most = scored.map(\.windows).max() ?? 0
        return scored.indices.filter { scored[$0].windows == most }.min { (scored[$0].score(metric), $0) < (scored[$1].score(metric), $1) }!
    }

    /// Scores `spans` (each with its transform, nil for none, and its compensation scale, if any) and returns them with their perplexities, in
    /// `spans` order; the caller picks the lowest. progress: (window-passes, total).
    public func score(model: LlamaModel, calibration: CalibrationSet, table: DistanceTable, spans: [Span],
                      transforms: [[Double]?], scales: [Double?] = [], progress: ((Int, Int) -> Void)? = nil) throws -> [Candidate] {
        let L = model.geometry.layerCount
        let edits = try spans.enumerated().map { i, span in
            try ModelEdit.removing(spans: [span], numLayers: L, transforms: transforms[i].map { [span.keptLayer: $0] } ?? [:],
                                   scales: (i < scales.count ? scales[i] : nil).map { [span.keptLayer: $0] } ?? [:])
        }
        let used = calibration.windows.prefix(max(1, windows))
        // Racing decides after every window, so the windows run one per batch then (each 1 × seqLen rows).
        let evaluator = PerplexityEvaluator(model: model, seqLen: calibration.seqLen, bos: nil, windowsPerBatch: racing == nil ? nil : 1)
        let race = racing.map { screen in { (scores: [[Double]]) in screen.survivors(distances: scores, alive: scores.map { _ in true }) } }
        let results = try evaluator.evaluate(tokens: used.flatMap { $0.map { Int32($0) } }, edits: edits, divergence: metric == .kl,
                                             scoreReference: false, race: race, progress: progress)
        return spans.enumerated().map { i, s in
            Candidate(start: s.start, end: s.lastRemoved, distance: table.distance(start: s.start, n: s.count),
                      perplexity: results[i + 1].perplexity, klDivergence: results[i + 1].klDivergence,
                      windows: results[i + 1].windows)
        }
    }
}
