import Foundation
import Llama
import SafeTensors

/// `replaceme sweep`: many pruning ratios and methods from one calibration run, each configuration evaluated as
/// an edited model in memory.
///
/// 1. pass 1 (`CalibrationRun` + `DistanceScorer`) up to the largest n: the distances of every span length; when
///    a method's estimator needs statistics, the same pass fits every candidate window of every n at once
///    (`ScreenedCandidates`: `SpanStatisticsObserver` screened per n by `CandidateScreen` to those that can still be
///    among the lowest, the shortlist's K when a method selects by perplexity); the lowest-distance span of each n
///    (as `prune` chooses it with one span);
/// 2. pass 2 only for a chosen span (or shortlisted one) the screen had dropped, to the end of the last of them;
///    each estimator solves its spans; a method that selects by perplexity (`replaceme-select`) then scores its
///    shortlist of each n on the calibration windows (`PerplexitySelector`) and keeps the lowest;
/// 3. each configuration (method × n) becomes a `ModelEdit`; on each evaluation text the dense model runs once
///    per batch of windows and every configuration resumes from the residual stream entering its first edited
///    layer (`PerplexityEvaluator.evaluate(edits:)`), so the shared dense prefix is computed once.
/// Every configuration's plan equals what `prune --start` with the same span would write, so its perplexity is
/// that of the written checkpoint (`--write` writes them).
///
/// A method that needs calibration passes of its own (`Method.needsOwnPasses`: `replaceme-iterative`,
/// `replaceme-cosine`) shares none of this: each of its configurations is a dry-run `Pruner.plan` (its own passes),
/// whose edit joins the evaluation with the others; its row says so (`ownPasses`).
///
/// MultiPruner and BlockPruner (`parameterMethods`) prune to a share of the parameters, not a block count: each
/// n of the sweep becomes the ratio r = n·P_layer / P (the share n whole blocks hold, as the other rows count it),
/// searched by `MultiPruner.plan` on `searchCalibration` (their own, smaller calibration: every candidate is a forward
/// pass over it); the edit joins the shared evaluation and the row gives what was removed and the share reached.
public final class Sweep {
    public struct Configuration: Sendable {
        public var method: PruneOptions.Method
        public var layersRemoved: Int
    }

    /// One evaluation text, tokenized.
    public struct EvalText: Sendable {
        public var name: String
        public var tokens: [Int32]
        public init(name: String, tokens: [Int32]) { self.name = name; self.tokens = tokens }
    }

    public let pruner: Pruner
    public init(pruner: Pruner) { self.pruner = pruner }

    /// Checks a request before any work: each n in 1...L−2 (layer 0 and one more layer stay), no duplicates.
    public static func validate(layerCounts: [Int], numLayers: Int) throws {
        guard !layerCounts.isEmpty else { throw PruningError.invalidSweep(reason: "no layer counts to sweep") }
        for n in layerCounts { try SpanSelector.validate(n: n, numLayers: numLayers) }
        if Set(layerCounts).count != layerCounts.count {
            throw PruningError.invalidSweep(reason: "layer counts repeat: \(layerCounts.map(String.init).joined(separator: ","))")
        }
    }

    /// Runs the sweep. progress: one phase per pass and per text, as `Pruner.Progress`.
    public func run(calibration: CalibrationSet, layerCounts: [Int], methods: [PruneOptions.Method],
                    parameterMethods: [MultiPrunerOptions.Variant] = [], searchCalibration: CalibrationSet? = nil,
                    evalTexts: [EvalText], seqLen: Int, maxTokens: Int?, bos: Int32?, ridge: Double = 0,
                    distanceTokens: DistanceTokens = .last, finalNormQuirk: Bool = false,
                    progress: Pruner.Progress = .silent) throws -> (report: SweepReport, edits: [ModelEdit]) {
        let start = Date()
        let model = pruner.model, g = model.geometry, L = g.layerCount
        try Self.validate(layerCounts: layerCounts, numLayers: L)
        var timings: [String: Double] = [:]
        // The methods that share pass 1 and pass 2; the others run their own passes per configuration.
        let shared = methods.filter { !$0.needsOwnPasses }

        // Shortlists of the methods that select by perplexity (one selector for all of them).
        var selector: PerplexitySelector?
        for m in shared { if case .perplexity(let k, let w)? = m.selection { selector = PerplexitySelector(candidates: k, windows: w) } }
        let compensations = Set(shared.filter { $0.estimator.needsStatistics }.map(\.compensation))
        let fused = !compensations.isEmpty

        // Pass 1: the distances of every span length up to the largest and, when an estimator needs statistics,
        // the statistics of every candidate window of every n at once, screened per n to those that can still be
        // among the lowest (the shortlist's K when a method selects by perplexity, else 1).
        let maxN = layerCounts.max()!
        let scorer = try DistanceScorer(model: model, maxN: maxN,
                                        modes: [.init(tokens: distanceTokens, finalNormQuirk: finalNormQuirk)],
                                        perSampleLengths: fused ? Set(layerCounts) : [])
        let keep = selector?.candidates ?? 1, candidateScreen = pruner.candidateScreen
        let screened = fused ? ScreenedCandidates(everyWindowOf: layerCounts, model: model, finalNormQuirk: finalNormQuirk,
                                                  withResidual: compensations.contains(.scale),
                                                  distances: scorer.accumulators[0], screen: { candidateScreen(keep, $0, $1) }) : nil
        // Drop with compensation needs every block's magnitudes (`MagnitudeObserver`).
        let magnitudes = shared.contains { $0.compensation == .scale && !$0.estimator.needsStatistics }
            ? MagnitudeObserver(numLayers: L, width: g.hiddenSize) : nil
        let run = CalibrationRun(model: model, calibration: calibration,
                                 batches: CalibrationBatches(samples: calibration.samples, seqLen: calibration.seqLen, targetRows: pruner.batchRows))
        var t = Date()
        let p1 = progress.begin(fused ? "pass 1: distances + statistics (n ≤ \(maxN))" : "pass 1: distances (n ≤ \(maxN))",
                                run.steps(through: L - 1), "layers")
        let observers: [CalibrationObserver] = [scorer] + (screened.map { [$0] } ?? []) + (magnitudes.map { [$0] } ?? [])
        try run.run(through: L - 1, observers: observers, progress: p1)
        progress.end()
        screened?.fit.releaseBuffers()
        model.releaseWorkspace()
        let table = try scorer.tables()[0]
        timings[fused ? "distances+statistics" : "distances"] = Date().timeIntervalSince(t)
        let spans = try Dictionary(uniqueKeysWithValues: layerCounts.map { n in
            (n, try SpanSelector.select(distances: table.distances(n: n), n: n, spans: 1, numLayers: L)[0])
        })
        let shortlists = selector.map { s in Dictionary(uniqueKeysWithValues: layerCounts.map { ($0, s.shortlist(table, n: $0)) }) } ?? [:]

        // The statistics of every chosen span from pass 1; a pass 2 only for those the screen had dropped (a span
        // that won in the end although it trailed after some samples). Each span solved with and without
        // compensation as the methods ask.
        var transforms: [Compensation: [Span: LinearTransform]] = [:]
        var secondPass = false
        if let screened {
            let distinct = Array(Set(spans.values).union(shortlists.values.flatMap { $0 }))
                .sorted { ($0.start, $0.count) < ($1.start, $1.count) }
            var statistics: [Span: LeastSquaresAccumulator] = [:]
            for span in distinct { statistics[span] = screened.fit.statistics(of: span) }
            let missing = distinct.filter { statistics[$0] == nil }
            if !missing.isEmpty {
                t = Date()
                secondPass = true
                let p2 = progress.begin("pass 2: statistics (\(missing.count) spans the screen had dropped)",
                                        run.steps(through: missing.map(\.lastRemoved).max()!), "layers")
                let late = try SpanStatisticsObserver.collect(model: model, calibration: calibration, spans: missing,
                                                              finalNormQuirk: finalNormQuirk, withResidual: compensations.contains(.scale),
                                                              batches: run.batches, progress: p2)
                progress.end()
                for (span, st) in zip(missing, late) { statistics[span] = st }
                timings["statistics"] = Date().timeIntervalSince(t)
            }
            t = Date()
            for span in distinct {
                let st = statistics[span]!
                try st.checkFinite(layer: span.keptLayer)
                for c in compensations {
                    transforms[c, default: [:]][span] = try SpanEstimator.leastSquares.estimate(st, span: span, ridge: ridge, compensation: c)
                }
            }
            timings["solve"] = Date().timeIntervalSince(t)
        }

        // A method's fit of a span (nil without a transform) and its compensation scale (nil without).
        func fit(_ method: PruneOptions.Method, _ span: Span) -> LinearTransform? {
            method.estimator.needsStatistics ? transforms[method.compensation]?[span] : nil
        }
        func scale(_ method: PruneOptions.Method, _ span: Span) throws -> Double? {
            guard method.compensation == .scale else { return nil }
            return method.estimator.needsStatistics ? fit(method, span)?.scale : try magnitudes?.scale(of: span)
        }

        // Selection by perplexity: each method's shortlist for each n scored on the calibration windows, the lowest kept.
        var selected: [String: Span] = [:]
        if let selector {
            t = Date()
            for method in shared where method.selection != nil {
                for n in layerCounts {
                    let list = shortlists[n]!
                    let windows = min(selector.windows, calibration.samples)
                    let bar = progress.begin("select \(method.rawValue) n = \(n): \(list.count) candidates × \(windows) windows",
                                             windows * (list.count + 1), "window-passes")
                    let scored = try selector.score(model: model, calibration: calibration, table: table, spans: list,
                                                    transforms: list.map { fit(method, $0)?.matrix },
                                                    scales: try list.map { try scale(method, $0) }, progress: bar)
                    progress.end()
                    selected["\(method.rawValue)/\(n)"] = list[selector.best(scored)]
                }
            }
            timings["select"] = Date().timeIntervalSince(t)
        }
        func span(_ method: PruneOptions.Method, _ n: Int) -> Span {
            method.selection != nil ? selected["\(method.rawValue)/\(n)"]! : spans[n]!
        }

        // The configurations as edits.
        var configs: [Configuration] = []
        var edits: [ModelEdit] = []
        var ownPlans: [Int: PruneReport] = [:]   // configuration index → its own dry run
        for method in methods {
            for n in layerCounts {
                if method.needsOwnPasses {
                    var options = PruneOptions(layersToRemove: n, method: method)
                    options.ridge = ridge
                    options.distanceTokens = distanceTokens
                    options.finalNormQuirk = finalNormQuirk
                    options.hashFiles = false
                    t = Date()
                    progress.note("sweep: \(method.rawValue) n = \(n) runs its own calibration passes")
                    let (report, edit) = try pruner.plan(calibration: calibration, options: options, toolVersion: "sweep",
                                                         progress: progress)
                    timings["own passes", default: 0] += Date().timeIntervalSince(t)
                    ownPlans[configs.count] = report
                    configs.append(Configuration(method: method, layersRemoved: n))
                    edits.append(edit)
                    continue
                }
                let span = span(method, n)
                configs.append(Configuration(method: method, layersRemoved: n))
                edits.append(try ModelEdit.removing(spans: [span], numLayers: L,
                                                    transforms: fit(method, span).map { [span.keptLayer: $0.matrix] } ?? [:],
                                                    scales: try scale(method, span).map { [span.keptLayer: $0] } ?? [:]))
            }
        }

        // MultiPruner and BlockPruner: a search per n at the parameter share of n blocks.
        let layerParameters = pruner.checkpoint.config.layerShape.elementCount
        let totalParameters = pruner.checkpoint.config.parameterCount
        var searches: [(variant: MultiPrunerOptions.Variant, n: Int, report: MultiPruner.Report)] = []
        for variant in parameterMethods {
            for n in layerCounts {
                let options = Self.searchOptions(variant, n: n, layerParameters: layerParameters, totalParameters: totalParameters)
                let cal = searchCalibration ?? calibration
                progress.note("sweep: \(variant.rawValue) n = \(n) searches to " + String(format: "%.2f%%", options.ratio * 100)
                              + " of the parameters on its own calibration (\(cal.samples) × \(cal.seqLen) tokens)")
                t = Date()
                let (report, edit) = try MultiPruner.plan(pruner: pruner, calibration: cal, options: options, toolVersion: "sweep",
                                                          progress: progress)
                timings["own passes", default: 0] += Date().timeIntervalSince(t)
                searches.append((variant, n, report))
                edits.append(edit)
            }
        }

        // Evaluation: every configuration on every text, sharing the dense prefix.
        let evaluator = PerplexityEvaluator(model: model, seqLen: seqLen, bos: bos)
        var perTextResults: [[PerplexityEvaluator.Result]] = []
        for text in evalTexts {
            t = Date()
            let windows = try evaluator.windows(of: text.tokens, maxTokens: maxTokens).count
            let bar = progress.begin("evaluate \(text.name) (\(windows) windows × \(edits.count + 1) models)",
                                     windows * (edits.count + 1), "window-passes")
            perTextResults.append(try evaluator.evaluate(tokens: text.tokens, maxTokens: maxTokens, edits: edits, progress: bar))
            progress.end()
            timings["evaluate \(text.name)"] = Date().timeIntervalSince(t)
        }

        let texts = evalTexts.enumerated().map { i, text in
            SweepReport.Text(name: text.name, windows: perTextResults[i][0].windows, tokens: perTextResults[i][0].scoredTokens,
                             densePerplexity: perTextResults[i][0].perplexity)
        }
        let rowsOut = try configs.enumerated().map { j, c -> SweepReport.Row in
            if let own = ownPlans[j] {
                return Self.row(own, edit: edits[j], table: table, layerParameters: layerParameters, totalParameters: totalParameters,
                                perplexity: perTextResults.map { $0[j + 1].perplexity },
                                ratioToDense: perTextResults.map { $0[j + 1].perplexity / $0[0].perplexity },
                                evalSeconds: perTextResults.reduce(0) { $0 + $1[j + 1].seconds })
            }
            let span = span(c.method, c.layersRemoved)
            let fit = fit(c.method, span)
            return SweepReport.Row(
                method: c.method.rawValue, layersRemoved: c.layersRemoved,
                parametersRemoved: c.layersRemoved * layerParameters,
                fractionOfParameters: Double(c.layersRemoved * layerParameters) / Double(totalParameters),
                spanStart: span.start, spanEnd: span.lastRemoved, distance: table.distance(start: span.start, n: span.count),
                relativeResidual: fit?.relativeResidual, scale: try scale(c.method, span), rejectedScale: fit?.rejectedScale,
                perplexity: perTextResults.map { $0[j + 1].perplexity },
                ratioToDense: perTextResults.map { $0[j + 1].perplexity / $0[0].perplexity },
                evalSeconds: perTextResults.reduce(0) { $0 + $1[j + 1].seconds })
        }
        let searchRows = searches.enumerated().map { i, s -> SweepReport.Row in
            let j = configs.count + i
            return Self.row(s.report, layersRemoved: s.n, perplexity: perTextResults.map { $0[j + 1].perplexity },
                            ratioToDense: perTextResults.map { $0[j + 1].perplexity / $0[0].perplexity },
                            evalSeconds: perTextResults.reduce(0) { $0 + $1[j + 1].seconds })
        }
        timings["total"] = Date().timeIntervalSince(start) + (pruner.calibrationSeconds ?? 0)
        let report = SweepReport(input: pruner.inputDirectory.path, inputLayers: L, parameters: totalParameters,
                                 calibrationSamples: calibration.samples, calibrationSeqLen: calibration.seqLen,
                                 seqLen: seqLen, texts: texts, rows: rowsOut + searchRows, distances: table, timings: timings,
                                 peakMemoryBytes: PruneReport.peakMemoryBytes(),
                                 fusedPass: screened.map { .init(candidates: $0.fit.spans.count, fittedPerBatch: $0.fittedPerBatch,
                                                                 secondPass: secondPass) })
        return (report, edits)
    }

    /// MultiPruner's or BlockPruner's options for the sweep's n: the ratio r = n·P_layer / P, defaults otherwise.
    public static func searchOptions(_ variant: MultiPrunerOptions.Variant, n: Int, layerParameters: Int, totalParameters: Int) -> MultiPrunerOptions {
        var o = MultiPrunerOptions(ratio: Double(n * layerParameters) / Double(totalParameters))
        o.variant = variant
        o.hashFiles = false
        return o
    }

    /// The row of a MultiPruner or BlockPruner search: the share it reached (its own count, `ParameterCount`),
    /// the first and last layer it changed, and what it removed, counted by kind.
    static func row(_ r: MultiPruner.Report, layersRemoved n: Int, perplexity: [Double], ratioToDense: [Double],
                    evalSeconds: Double) -> SweepReport.Row {
        let touched = r.steps.map(\.layer)
        var counts: [String: Int] = [:]
        for st in r.steps { counts[st.kind, default: 0] += st.amount ?? 1 }
        let channelGroup = r.steps.first { $0.kind == "mlp_channels" }?.amount
        var parts: [String] = []
        if let a = counts["attention"] { parts.append("\(a) attn") }
        if let m = counts["mlp"] { parts.append("\(m) mlp") }
        if let c = counts["mlp_channels"], let g = channelGroup { parts.append("\(c / g)×\(g) ch") }
        if let k = counts["kv_groups"] { parts.append("\(k) kv") }
        return SweepReport.Row(
            method: r.options.method, layersRemoved: n, parametersRemoved: r.parametersBefore - r.parametersAfter,
            fractionOfParameters: r.removedFraction, spanStart: touched.min() ?? 0, spanEnd: touched.max() ?? 0, distance: nil,
            relativeResidual: nil, scale: nil, rejectedScale: nil, perplexity: perplexity, ratioToDense: ratioToDense,
            evalSeconds: evalSeconds, ownPasses: true, removed: parts.joined(separator: ", "))
    }

    /// The row of a configuration that ran its own passes, from its dry run's report: the removed layers (and
    /// `layers` when they are not one span), the distance in the dense table when they are one span (else the
    /// mean of the rounds' own distances), the fit's residual and the product of the scales when there is one round.
    static func row(_ r: PruneReport, edit: ModelEdit, table: DistanceTable, layerParameters: Int, totalParameters: Int,
                    perplexity: [Double], ratioToDense: [Double], evalSeconds: Double) -> SweepReport.Row {
        let removed = edit.droppedLayers, n = removed.count
        let contiguous = removed.last! - removed.first! + 1 == n
        let roundDistances = r.spans.compactMap(\.distance)
        let scales = r.spans.compactMap(\.scale)
        return SweepReport.Row(
            method: r.options.method, layersRemoved: n, parametersRemoved: n * layerParameters,
            fractionOfParameters: Double(n * layerParameters) / Double(totalParameters),
            spanStart: removed.first!, spanEnd: removed.last!,
            distance: contiguous ? table.distance(start: removed.first!, n: n) : roundDistances.reduce(0, +) / Double(max(roundDistances.count, 1)),
            relativeResidual: r.spans.count == 1 ? r.spans[0].fit?.relativeResidual : nil,
            scale: scales.isEmpty ? nil : scales.reduce(1, *), rejectedScale: r.spans.count == 1 ? r.spans[0].rejectedScale : nil,
            perplexity: perplexity, ratioToDense: ratioToDense, evalSeconds: evalSeconds,
            layers: contiguous ? nil : removed, ownPasses: true)
    }
}
