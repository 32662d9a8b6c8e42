import Foundation
import Llama
import SafeTensors
import TensorCore

/// The whole ReplaceMe prune, end to end, on a checkpoint directory:
///
/// 1. checks the output location and the sizes (nothing is computed or written for a bad request);
/// 2. pass 1 (`CalibrationRun` feeding `DistanceScorer`): distances for windows of n = layersToRemove / K, then
///    `SpanSelector` (skipped when the start is forced), or with `--select perplexity` `PerplexitySelector`: the
///    lowest calibration perplexity among the K lowest-distance windows, each with its own T;
/// 3. pass 2 (`SpanStatisticsObserver.collect`) up to the last removed layer, then `TransformSolver` per span
///    (skipped for `--method drop`).
///    Fused passes: with one span (K = 1, no forced start) pass 1 also fits every candidate window of length n
///    (`SpanStatisticsObserver` over the same forward passes), so pass 2 is skipped; the statistics are those the
///    second pass would compute (same batches, same activations). Used when the candidates' Float64 statistics
///    ((L − n) · 2 · D² · 8 bytes) fit the memory plan (`MemoryPlanner`: 1 GiB without `--max-memory`); otherwise,
///    or with `twoPass`, two passes.
///    `ScreenedCandidates` (with `CandidateScreen`) stops fitting the candidates that can no longer win, as each window ends (against the
///    windows ended so far) and after each batch; should a dropped candidate win in the end, pass 2 runs for it,
///    so results never change.
/// 4. the plan (`ModelEdit.removing`: the spans dropped, each T on its kept layer), saved when asked
///    (`--save-plan`); then `PrunedCheckpointWriter` writes it with the JSON report `replaceme-report.json`
///    inside, all in one atomic install (no output for a dry run).
///
/// Memory: `planMemory` states what the run will hold before it holds it; with `--max-memory` it also chooses
/// the residency, the batch size and the fused pass so that the planned peak fits (the report has both the plan
/// and the measured peak). Compensation (`--compensate scale`) is a stage beside the estimator: the joint scale
/// comes with T from the same statistics, Prune&Comp's from `MagnitudeObserver` in pass 1 (a pass of its own when
/// the start is forced).
public final class Pruner {
    /// Progress hooks: `begin(label, total, unit)` returns the per-step callback; `end()` closes the phase;
    /// `note(line)` tells the user something before a phase (the memory plan).
    public struct Progress {
        public var begin: (_ label: String, _ total: Int, _ unit: String) -> (Int, Int) -> Void
        public var end: () -> Void
        public var note: (String) -> Void
        public init(begin: @escaping (String, Int, String) -> (Int, Int) -> Void, end: @escaping () -> Void,
                    note: @escaping (String) -> Void = { _ in }) {
            self.begin = begin; self.end = end; self.note = note
        }
        public static var silent: Progress { Progress(begin: { _, _, _ in { _, _ in } }, end: {}) }
    }

    public static let reportFileName = "replaceme-report.json"
    public let inputDirectory: URL
    public let checkpoint: LlamaCheckpoint
    /// The checkpoint's weights as the model reads them.
    let weights: CheckpointWeights
    /// The model, with the residency of the last memory plan (automatic until one is made).
    public internal(set) var model: LlamaModel
    public var numLayers: Int { model.geometry.layerCount }

    /// Opens (maps and validates) the checkpoint; reads no tensor data.
    public init(checkpointDirectory: URL) throws {
        inputDirectory = checkpointDirectory
        checkpoint = try LlamaCheckpoint(directory: checkpointDirectory)
        weights = try CheckpointWeights(checkpoint: checkpoint)
        model = try LlamaModel(source: weights)
    }

    /// The candidates to keep fitting after a batch, from how many of the lowest are wanted (1, or the selection's
    /// shortlist K), per-sample distances ([candidate][sample]) and the candidates still fitted (`CandidateScreen`;
    /// tests replace it).
    var candidateScreen: (_ keep: Int, _ distances: [[Double]], _ alive: [Bool]) -> [Bool] = {
        CandidateScreen(keep: $0).survivors(distances: $1, alive: $2)
    }
    /// The race of a selection by perplexity unless `--select-all-windows` (`PerplexitySelector.racing`; tests replace it).
    var selectionRacing = PerplexitySelector.defaultRacing
    /// Token rows per forward batch without a budget (`CalibrationBatches`; tests lower it to get several batches).
    var batchRows = MemoryPlanner.defaultBatchRows

    /// The resident memory a plan starts from (tests fix it, so that plans do not depend on the test process).
    var residentMemory: () -> Int = ProcessMemory.resident

    /// While an `--iterative` round with `--targets dense` runs: the dense model and the original layer of each of
    /// the edited model's layers (pass 2 then regresses onto the dense model's output).
    var denseTargets: (model: LlamaModel, keptLayers: [Int])?

    /// Seconds the last `loadCalibration` took (reading, validating, tokenizing); reported as "calibration".
    public private(set) var calibrationSeconds: Double?

    /// Loads calibration windows, tokenizing text with the checkpoint's tokenizer (loaded only if text is present).
    public func loadCalibration(files: [URL], samples: Int, seqLen: Int) throws -> CalibrationSet {
        guard seqLen <= model.geometry.maxPositions else {
            throw PruningError.sequenceTooLong(seqLen: seqLen, maxPositions: model.geometry.maxPositions)
        }
        let t = Date()
        let encoder = LazyEncoder(directory: inputDirectory)
        let set = try CalibrationSet.load(files: files, samples: samples, seqLen: seqLen,
                                          vocabSize: model.geometry.vocabSize, encode: encoder.encode,
                                          tokenName: encoder.token(for:))
        calibrationSeconds = Date().timeIntervalSince(t)
        return set
    }

    /// Checks what can be checked before any work: sizes, forced start, output location.
    public func validate(_ options: PruneOptions, output: URL?) throws {
        let k = options.spans
        try SpanSelector.validate(n: options.layersToRemove, numLayers: numLayers)
        if let start = options.forcedStart {
            _ = try SpanSelector.forced(start: start, n: options.layersToRemove, numLayers: numLayers)
        }
        if options.effectiveSelection != .distance && (k > 1 || options.forcedStart != nil) {
            throw PruningError.selectionNeedsOneSpan
        }
        if let step = options.iterative {
            guard step >= 1, k == 1, options.forcedStart == nil else {
                throw PruningError.invalidOption(name: "--iterative", reason: "removes \(step) block(s) per round from the span chosen on the model so far: it needs one span (no --spans or --start) and a step of at least 1")
            }
            if options.targets == .dense && options.effectiveEstimator == .cosine {
                throw PruningError.invalidOption(name: "--targets", reason: "'dense' goes with the least-squares estimator; the cosine estimator fits the model's own rows")
            }
        }
        if k > 1 && options.layersToRemove % k != 0 {
            throw PruningError.tooManySpans(requested: k, placed: 0, n: options.layersToRemove, numLayers: numLayers)
        }
        if let output {
            if checkpoint.config.isHeterogeneous { throw PruningError.heterogeneousInput(path: inputDirectory.path) }
            try OutputLocation.check(output: output, input: inputDirectory, force: options.force)
        }
        if let url = options.saveTransforms { try OutputLocation.checkFile(url, force: options.force) }
        if let url = options.savePlan { try PruningPlan.checkDestination(url, force: options.force) }
    }

    /// Checks an output checkpoint directory before any work: not the input, inside it or containing it; empty or
    /// absent unless `force` (the checkpoint writer's own rule).
    public static func checkOutputDirectory(_ url: URL, input: URL, force: Bool) throws {
        try OutputLocation.check(output: url, input: input, force: force)
    }

    /// Checks a side output file before any work: an existing file is refused unless `force` (a directory always),
    /// and so is a missing or unwritable directory.
    public static func checkSideFile(_ url: URL, force: Bool) throws { try OutputLocation.checkFile(url, force: force) }

    /// Writes a side output file atomically (temporary sibling, fsync, rename over `url`).
    public static func writeSideFile(_ data: Data, to url: URL) throws { try AtomicFile.write(Array(data), to: url) }

    /// What a prune with `options` over `samples` windows of `seqLen` tokens will hold, and within
    /// `options.maxMemory` the settings it will use (`MemoryPlanner.prune`); throws when the budget is too small.
    public func planMemory(_ options: PruneOptions, samples: Int, seqLen: Int) throws -> MemoryPlan {
        let needsStatistics = options.effectiveEstimator.needsStatistics
        var selection: (candidates: Int, windows: Int)?
        if case .perplexity(let k, let w) = options.effectiveSelection { selection = (k, w) }
        var request = MemoryPlanner.PruneRequest(
            geometry: model.geometry, biases: weights.biasLayout, samples: samples, seqLen: seqLen,
            windowLength: options.windowLength, spans: options.spans, needsStatistics: needsStatistics,
            fusedAllowed: needsStatistics && options.spans == 1 && options.forcedStart == nil && !options.twoPass,
            distanceTokens: options.distanceTokens, selection: selection)
        request.storedElementBytes = ForwardMemory.storedElementBytes(weights)
        request.residualStatistics = needsStatistics && options.effectiveCompensation == .scale
        request.selectionRace = options.selectionRace
        if options.effectiveEstimator == .cosine {
            request.cosine = (options.cosine.objective == .surrogate, options.cosineRowBudget, options.cosine.batchRows)
        }
        return try MemoryPlanner.prune(request, budget: options.maxMemory, baseline: residentMemory(), peakSoFar: ProcessMemory.peak(),
                                       defaultRows: batchRows)
    }

    /// Runs the prune and returns its report (also written into the output directory, which appears with it;
    /// with no output, a dry run: the plan is chosen, and saved when `savePlan` is set, but nothing else written).
    public func prune(calibration: CalibrationSet, options: PruneOptions, output: URL?, toolVersion: String,
                      progress: Progress = .silent) throws -> PruneReport {
        try run(calibration: calibration, options: options, output: output, toolVersion: toolVersion, progress: progress).report
    }

    /// A dry run that also returns the edit it chose (what `--save-plan` would save), for callers that evaluate it
    /// in memory (`Sweep`).
    public func plan(calibration: CalibrationSet, options: PruneOptions, toolVersion: String,
                     progress: Progress = .silent) throws -> (report: PruneReport, edit: ModelEdit) {
        try run(calibration: calibration, options: options, output: nil, toolVersion: toolVersion, progress: progress)
    }

    private func run(calibration: CalibrationSet, options: PruneOptions, output: URL?, toolVersion: String,
                     progress: Progress) throws -> (report: PruneReport, edit: ModelEdit) {
        try validate(options, output: output)
        let start = Date()
        var timings = calibrationSeconds.map { ["calibration": $0] } ?? [:]
        var memory = try planMemory(options, samples: calibration.samples, seqLen: calibration.seqLen)
        progress.note(memory.summary)
        if memory.residency != model.residency.rawValue {
            model = try LlamaModel(source: weights, residency: LlamaModel.Residency(rawValue: memory.residency)!)
        }
        let batches = CalibrationBatches(samples: calibration.samples, seqLen: calibration.seqLen, targetRows: memory.batchRows)

        // Pass 1 and selection, statistics and solves: once, or round by round on the model pruned so far.
        let round: Round, edit: ModelEdit
        if options.iterative != nil {
            (edit, round) = try iterate(calibration, options, batches, fused: memory.fusedPass == true, progress, &timings)
        } else {
            round = try planRound(calibration, options, batches, fused: memory.fusedPass == true, progress, &timings)
            edit = try round.edit(numLayers: numLayers)
        }
        let (spans, table, screening, selection, fits, scales) = (round.spans, round.table, round.screening, round.selection, round.fits, round.scales)
        let compensation = options.effectiveCompensation
        if let url = options.saveTransforms { try saveTransforms(fits.map(\.transform), to: url) }
        if let url = options.savePlan {
            try PruningPlan(edit: edit, method: options.method.rawValue, geometry: model.geometry).write(to: url)
        }

        // The report, with every output file's size and digest (hashed while written).
        let inputHashes = try Self.timed("hash", &timings) { try Self.hashFiles(options.hashFiles ? checkpoint.weights.files.map(\.url) : []) }
        let n = options.windowLength
        func report(outputs: [CheckpointWriter.WrittenFile]) -> PruneReport {
            timings["total"] = Date().timeIntervalSince(start) + (calibrationSeconds ?? 0)
            memory.measuredPeak = PruneReport.peakMemoryBytes()
            let inputFiles = checkpoint.weights.files.enumerated().map { i, f in
                PruneReport.FileRecord(name: f.url.lastPathComponent, bytes: f.fileSize,
                                       sha256: inputHashes.isEmpty ? nil : inputHashes[i])
            }
            let spanRecords = spans.enumerated().map { j, s in
                let kept = round.keptLayers?[j] ?? s.keptLayer
                return PruneReport.SpanRecord(start: s.start, end: round.layers?[j].last ?? s.lastRemoved, count: s.count,
                                       foldedInto: j < fits.count ? kept : nil, scale: scales[kept],
                                       rejectedScale: j < fits.count ? fits[j].transform.rejectedScale : nil,
                                       distance: round.distances != nil ? round.distances![j] : table.map { Self.meanDistance($0, span: s, n: n) },
                                       fit: j < fits.count ? PruneReport.Fit(fits[j].transform, rows: fits[j].rows) : nil,
                                       cosine: j < fits.count ? fits[j].transform.cosine : nil,
                                       layers: round.layers?[j], round: round.layers == nil ? nil : j + 1)
            }
            return PruneReport(
                tool: "replaceme", version: toolVersion, createdAt: ISO8601DateFormatter().string(from: Date()),
                input: inputDirectory.path, inputLayers: numLayers, inputFiles: inputFiles, calibration: calibration.sources,
                calibrationIdsSHA256: SHA256.hex(Data(calibration.idsJSONL().utf8)),
                options: .init(method: options.method.rawValue, compensation: compensation.rawValue, layersRemoved: edit.droppedLayers.count,
                               spansRequested: options.spans, forcedStart: options.forcedStart, ridge: options.ridge,
                               distanceTokens: options.distanceTokens.rawValue, finalNormQuirk: options.finalNormQuirk,
                               samples: calibration.samples, seqLen: calibration.seqLen,
                               selection: options.effectiveSelection == .distance ? "distance" : options.selectionMetric.rawValue,
                               selectionRace: options.effectiveSelection == .distance ? nil : options.selectionRace,
                               estimator: options.effectiveEstimator.rawValue, iterative: options.iterative,
                               targets: options.iterative == nil ? nil : options.targets.rawValue),
                distances: table, spans: spanRecords, fusedPass: screening, selection: selection, output: output?.path,
                plan: options.savePlan?.path, outputLayers: edit.outputLayerCount,
                outputFiles: outputs.map { .init(name: $0.name, bytes: $0.bytes, sha256: $0.sha256) }, timings: timings,
                peakMemoryBytes: memory.measuredPeak!, memory: memory)
        }
        guard let output else { return (report(outputs: []), edit) }

        // Write: the checkpoint, then the report inside it, in one atomic install.
        let step = progress.begin("write", checkpoint.weights.tensorNames.count, "tensors")
        defer { progress.end() }
        var written: PruneReport?
        let writeStart = Date()
        try PrunedCheckpointWriter.write(checkpoint: checkpoint, edit: edit, output: output, force: options.force,
                                         hashing: options.hashFiles, finalFiles: { result in
                                             timings["write"] = Date().timeIntervalSince(writeStart)
                                             let r = report(outputs: result.weightFiles + result.otherFiles)
                                             written = r
                                             return [(Self.reportFileName, Array(try r.jsonData()))]
                                         }, progress: step)
        return (written!, edit)
    }

    /// What one round of choosing and fitting gives, in the numbering of the model it ran on.
    struct Round {
        var spans: [Span]
        var table: DistanceTable?
        var fits: [(transform: LinearTransform, rows: Int)]
        var scales: [Int: Double]
        var screening: PruneReport.FusedPass?
        var selection: [PerplexitySelector.Candidate]?
        /// With `--iterative`, per round: the original layers removed, the original kept layer that absorbed T (and
        /// keys `scales`), the round's distance; nil: `spans` are in the original numbering.
        var layers: [[Int]]?
        var keptLayers: [Int]?
        var distances: [Double?]?

        /// The edit removing the spans, each T on its kept layer, scales after them.
        func edit(numLayers: Int) throws -> ModelEdit {
            let transforms = Dictionary(uniqueKeysWithValues: zip(spans.map(\.keptLayer), fits.map(\.transform.matrix)))
            return try ModelEdit.removing(spans: spans, numLayers: numLayers, transforms: transforms, scales: scales)
        }
    }

    /// Pass 1 and selection (fitting every candidate at once when fused), then pass 2 if needed, the solves, the
    /// cosine stage and the scales, on `model` as it is.
    func planRound(_ calibration: CalibrationSet, _ options: PruneOptions, _ batches: CalibrationBatches, fused: Bool,
                   _ progress: Progress, _ timings: inout [String: Double]) throws -> Round {
        let chosen = try chooseSpans(calibration, options, batches, fused: fused, progress, &timings)
        let (spans, table, selection, magnitudes) = (chosen.spans, chosen.table, chosen.selection, chosen.magnitudes)
        var screening = chosen.fusedPass   // secondPass is set below if a chosen span had been dropped
        var fits: [(transform: LinearTransform, rows: Int)] = []
        let estimator = options.effectiveEstimator, compensation = options.effectiveCompensation
        var scales: [Int: Double] = [:]
        if estimator.needsStatistics {
            // The fused pass's (or the selection's) statistics, unless a chosen span had been dropped by the screening.
            if screening != nil && chosen.statistics == nil { screening?.secondPass = true }
            let stats = try chosen.statistics ?? Self.timed("statistics", &timings) { try collect(spans, calibration, options, batches, progress) }
            model.releaseMemory()
            fits = try Self.timed("solve", &timings) {
                try zip(spans, stats).compactMap { span, st in
                    try estimator.estimate(st, span: span, ridge: options.ridge, compensation: compensation).map { ($0, st.rows) }
                }
            }
            if estimator == .cosine {
                fits = try Self.timed("cosine", &timings) { try refineCosine(spans, fits, stats, calibration, options, batches, progress) }
            }
            for (span, fit) in zip(spans, fits) { if let s = fit.transform.scale { scales[span.keptLayer] = s } }
        }
        if compensation == .scale && !estimator.needsStatistics {
            // Prune&Comp's magnitude ratio; pass 1 measured it unless the start was forced.
            let observer = try magnitudes ?? Self.timed("magnitudes", &timings) { try measureMagnitudes(through: spans.map(\.lastRemoved).max()!, calibration, batches, progress) }
            for span in spans { scales[span.keptLayer] = try observer.scale(of: span) }
        }
        model.releaseMemory()
        return Round(spans: spans, table: table, fits: fits, scales: scales, screening: screening, selection: selection)
    }

    /// The spans to remove (forced, or pass 1 + selection), the distance table when pass 1 ran, the chosen spans'
    /// statistics when pass 1 (fused) or the selection gathered them (nil: pass 2 must), and, when fused, the record
    /// of what was fitted per batch.
    private func chooseSpans(_ calibration: CalibrationSet, _ options: PruneOptions, _ batches: CalibrationBatches,
                             fused: Bool, _ progress: Progress, _ timings: inout [String: Double])
        throws -> (spans: [Span], table: DistanceTable?, statistics: [LeastSquaresAccumulator]?, fusedPass: PruneReport.FusedPass?,
                   selection: [PerplexitySelector.Candidate]?, magnitudes: MagnitudeObserver?) {
        let n = options.windowLength, L = numLayers, d = model.geometry.hiddenSize
        let fused = fused && options.spans == 1
        if let forced = options.forcedStart {
            return ([try SpanSelector.forced(start: forced, n: options.layersToRemove, numLayers: L)], nil, nil, nil, nil, nil)
        }
        var selectedStatistics: [Span: LeastSquaresAccumulator] = [:]   // of the chosen spans, or the shortlist
        var secondPass = false                                          // a shortlisted window was fitted after pass 1
        var selector: PerplexitySelector?
        if case .perplexity(let k, let w) = options.effectiveSelection {
            selector = PerplexitySelector(candidates: k, windows: w, metric: options.selectionMetric,
                                          racing: options.selectionRace ? selectionRacing : nil)
        }
        // Selection by perplexity needs every shortlisted candidate's statistics: the screen keeps whatever can still
        // be among the K lowest distances (a shortlisted candidate it dropped is fitted after pass 1).
        let keep = selector?.candidates ?? 1, candidateScreen = candidateScreen
        let screen: ([[Double]], [Bool]) -> [Bool] = { candidateScreen(keep, $0, $1) }
        // Stages of pass 1: the distance scorer, and when fused the candidates' estimator with its screen.
        let scorer = try DistanceScorer(model: model, maxN: n,
                                        modes: [.init(tokens: options.distanceTokens, finalNormQuirk: options.finalNormQuirk)],
                                        perSampleLengths: fused ? [n] : [])
        let screened = fused ? ScreenedCandidates(everyWindowOf: [n], model: model, finalNormQuirk: options.finalNormQuirk,
                                                  withResidual: options.effectiveCompensation == .scale,
                                                  distances: scorer.accumulators[0], screen: screen) : nil
        // Drop with compensation: every block's magnitudes, for the scale of whichever span wins.
        let magnitudes = options.effectiveCompensation == .scale && !options.effectiveEstimator.needsStatistics
            ? MagnitudeObserver(numLayers: L, width: d) : nil
        let run = CalibrationRun(model: model, calibration: calibration, batches: batches)
        let step = progress.begin(fused ? "pass 1: distances + statistics" : "pass 1: distances", run.steps(through: L - 1), "layers")
        var t = Date()
        let observers: [CalibrationObserver] = [scorer] + (screened.map { [$0] } ?? []) + (magnitudes.map { [$0] } ?? [])
        try run.run(through: L - 1, observers: observers, progress: step)
        let table = try scorer.tables()[0]
        timings[fused ? "distances+statistics" : "distances", default: 0] += Date().timeIntervalSince(t)
        progress.end()
        // Pass 1's batch-sized buffers are not needed by what follows (the selection runs one window at a time).
        screened?.fit.releaseBuffers()
        model.releaseWorkspace()
        var spans = try SpanSelector.select(distances: table.distances(n: n), n: n, spans: options.spans, numLayers: L)
        var scored: [PerplexitySelector.Candidate]?
        if let selector {
            // The shortlist, each with its own estimate, scored by calibration perplexity; the lowest wins.
            let shortlist = selector.shortlist(table, n: n)
            var fitted: [LinearTransform?] = shortlist.map { _ in nil }
            let estimator = options.effectiveEstimator, compensation = options.effectiveCompensation
            if estimator.needsStatistics {
                // From pass 1 where it kept them; the rest (all of them when not fused) in one pass 2.
                for span in shortlist { selectedStatistics[span] = screened?.fit.statistics(of: span) }
                let missing = shortlist.filter { selectedStatistics[$0] == nil }
                if !missing.isEmpty {
                    secondPass = screened != nil
                    let late = try Self.timed("statistics", &timings) { try collect(missing, calibration, options, batches, progress) }
                    for (span, st) in zip(missing, late) { selectedStatistics[span] = st }
                }
                fitted = try shortlist.map { span in
                    try estimator.estimate(selectedStatistics[span]!, span: span, ridge: options.ridge, compensation: compensation)
                }
            }
            let transforms = fitted.map { $0?.matrix }
            let scales = try zip(shortlist, fitted).map { span, f in estimator.needsStatistics ? f?.scale : try magnitudes?.scale(of: span) }
            let windows = min(selector.windows, calibration.samples)
            let bar = progress.begin("select: \(shortlist.count) candidates × \(windows) windows", windows * (shortlist.count + 1), "window-passes")
            t = Date()
            scored = try selector.score(model: model, calibration: calibration, table: table, spans: shortlist,
                                        transforms: transforms, scales: scales, progress: bar)
            timings["select"] = Date().timeIntervalSince(t)
            progress.end()
            spans = [shortlist[selector.best(scored!)]]
        }
        if selector == nil, let c = screened?.fit {
            for span in spans { selectedStatistics[span] = c.statistics(of: span) }
        }
        for span in spans { try selectedStatistics[span]?.checkFinite(layer: span.keptLayer) }
        let statistics = spans.allSatisfy { selectedStatistics[$0] != nil } ? spans.map { selectedStatistics[$0]! } : nil
        let record = screened.map { PruneReport.FusedPass(candidates: $0.fit.spans.count, fittedPerBatch: $0.fittedPerBatch, secondPass: secondPass) }
        return (spans, table, statistics, record, scored, magnitudes)
    }

    /// Runs `body`, adding its wall time to `timings[key]`.
    private static func timed<T>(_ key: String, _ timings: inout [String: Double], _ body: () throws -> T) rethrows -> T {
        let t = Date()
        defer { timings[key, default: 0] += Date().timeIntervalSince(t) }
        return try body()
    }

    /// Pass 2: the statistics of `spans`, streaming the calibration set to the end of the last one.
    private func collect(_ spans: [Span], _ calibration: CalibrationSet, _ options: PruneOptions,
                         _ batches: CalibrationBatches, _ progress: Progress) throws -> [LeastSquaresAccumulator] {
        let last = spans.map(\.lastRemoved).max()!
        let step = progress.begin("pass 2: statistics", batches.ranges.count * (last + 1), "layers")
        defer { progress.end() }
        if let dense = denseTargets {
            return try collectWithDenseTargets(spans, calibration, options, batches, dense: dense.model, keptLayers: dense.keptLayers, progress: step)
        }
        return try SpanStatisticsObserver.collect(model: model, calibration: calibration, spans: spans,
                                                  finalNormQuirk: options.finalNormQuirk,
                                                  withResidual: options.effectiveCompensation == .scale,
                                                  batches: batches, progress: step)
    }

    /// The cosine stage: one pass storing each span's rows (`SpanRowsObserver`, within `cosineRowBudget`), then
    /// `CosineTransformFitter` from the least-squares T (or the identity), judged on the same statistics.
    private func refineCosine(_ spans: [Span], _ fits: [(transform: LinearTransform, rows: Int)], _ stats: [LeastSquaresAccumulator],
                              _ calibration: CalibrationSet, _ options: PruneOptions, _ batches: CalibrationBatches,
                              _ progress: Progress) throws -> [(transform: LinearTransform, rows: Int)] {
        let settings = options.cosine, d = model.geometry.hiddenSize
        let observer = SpanRowsObserver(spans: spans, samples: calibration.samples, seqLen: calibration.seqLen, numLayers: numLayers,
                                        width: d, surrogate: settings.objective == .surrogate, budget: options.cosineRowBudget,
                                        finalNorm: options.finalNormQuirk ? { [model] in model.applyFinalNorm(rows: $0, x: $1, y: $2) } : nil)
        let held = observer.rows.map(\.bytes).reduce(0, +), stride = observer.rows[0].stride
        progress.note(String(format: "cosine estimator: holding %d of %d calibration rows per span (%@), %.0f MiB",
                             observer.rows[0].count, observer.rows[0].total, stride == 1 ? "all" : "1 in \(stride)",
                             Double(held) / 1_048_576))
        let run = CalibrationRun(model: model, calibration: calibration, batches: batches)
        let step = progress.begin("cosine: rows", run.steps(through: observer.lastLayer), "layers")
        try run.run(through: observer.lastLayer, observers: [observer], progress: step)
        progress.end()
        return try spans.indices.map { j in
            let rows = observer.rows[j]
            let start = settings.start == .identity ? LinearTransform.identity(width: d) : fits[j].transform.matrix
            let steps = settings.epochs * ((rows.count + settings.batchRows - 1) / settings.batchRows)
            let bar = progress.begin("cosine: fit \(spans[j])", steps, "steps")
            defer { progress.end() }
            var (matrix, report) = CosineTransformFitter.fit(rows, start: start, settings: settings, progress: bar)
            if settings.rescales { (matrix, report.rescale) = CosineTransformFitter.rescaled(matrix, stats: stats[j]) }
            guard matrix.allSatisfy(\.isFinite) else {
                throw PruningError.nonFinite(statistic: "cosine transform T", layer: spans[j].keptLayer)
            }
            var t = TransformSolver.judged(fits[j].transform, matrix: matrix, stats: stats[j])
            t.cosine = report
            return (t, fits[j].rows)
        }
    }

    /// The magnitudes of every block through `last` (drop with compensation when pass 1 did not run).
    private func measureMagnitudes(through last: Int, _ calibration: CalibrationSet, _ batches: CalibrationBatches,
                                   _ progress: Progress) throws -> MagnitudeObserver {
        let observer = MagnitudeObserver(numLayers: numLayers, width: model.geometry.hiddenSize)
        let run = CalibrationRun(model: model, calibration: calibration, batches: batches)
        let step = progress.begin("magnitudes", run.steps(through: last), "layers")
        defer { progress.end() }
        try run.run(through: last, observers: [observer], progress: step)
        return observer
    }

    /// Writes T of each span (F64 [D, D], `T.0`, `T.1`, …) as one safetensors file, atomically (a temporary
    /// sibling renamed over `url`, which `validate` allowed to exist only with `force`).
    private func saveTransforms(_ transforms: [LinearTransform], to url: URL) throws {
        let tensors = transforms.enumerated().map { j, t in
            TensorWriteSource.bytes("T.\(j)", dtype: .f64, shape: [t.width, t.width], t.matrix.withUnsafeBytes { Array($0) })
        }
        try AtomicFile.write(to: url) { _ = try SafeTensorsWriter.write(tensors, to: $0) }
    }

    /// SHA-256 of each file, several files at a time.
    static func hashFiles(_ urls: [URL]) throws -> [String] {
        final class Results: @unchecked Sendable {   // each slot written by one iteration only
            var values: [Result<String, Error>?]
            init(_ n: Int) { values = Array(repeating: nil, count: n) }
        }
        let results = Results(urls.count)
        let lock = NSLock()
        Parallel.forEach(urls.count) { i in
            let r = Result { try SHA256.hex(fileAt: urls[i]) }
            lock.lock(); results.values[i] = r; lock.unlock()
        }
        return try results.values.map { try $0!.get() }
    }

    /// A merged span of several windows is scored by the mean of its windows' distances (one window: its own).
    static func meanDistance(_ table: DistanceTable, span: Span, n: Int) -> Double {
        let starts = stride(from: span.start, to: span.end, by: n).map { $0 }
        return starts.map { table.distance(start: $0, n: n) }.reduce(0, +) / Double(starts.count)
    }
}
