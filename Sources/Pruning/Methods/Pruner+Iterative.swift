import Foundation
import Llama

extension Pruner {
    /// `--iterative STEP`: blocks removed STEP at a time (the last round fewer), each round a full `planRound` —
    /// distances, selection, statistics, estimator, compensation — on the model pruned so far, seen as a plain
    /// shorter model (`EditedWeights` over the checkpoint and the edit so far). Each round's edit is composed onto
    /// the original model (`ModelEdit.followed(by:)`: chained transforms, multiplied scales), so the output is one
    /// edit of the checkpoint. `--iterative 1 --select perplexity` is SLEB's greedy removal with ReplaceMe's T.
    ///
    /// Targets: `edited` regresses each round onto the pruned-so-far model's own output at the span's end, so each
    /// round repairs the model it sees; `dense` regresses the pruned model's activations onto the dense model's
    /// output at the same depth (pass 2 runs both models on every batch, `SpanStatisticsObserver.externalTargets`),
    /// steering back to the original stream. Round 1 is the same either way.
    ///
    /// Rounds see each earlier fold rounded to the checkpoint's dtype, as a written checkpoint would hold it; the
    /// output folds the chained T once, so the two differ by one rounding of the kept layer's down_proj.
    func iterate(_ calibration: CalibrationSet, _ options: PruneOptions, _ batches: CalibrationBatches, fused: Bool,
                 _ progress: Progress, _ timings: inout [String: Double]) throws -> (ModelEdit, Round) {
        let step = options.iterative!
        let original = model
        defer { model = original; denseTargets = nil }
        var edit = ModelEdit.identity(layerCount: numLayers)
        var merged = Round(spans: [], table: nil, fits: [], scales: [:], screening: nil, selection: nil,
                           layers: [], keptLayers: [], distances: [])
        var removed = 0, round = 0
        while removed < options.layersToRemove {
            let count = min(step, options.layersToRemove - removed)
            var opts = options
            opts.layersToRemove = count
            opts.iterative = nil
            opts.saveTransforms = nil
            opts.savePlan = nil
            let source = try EditedWeights(base: weights, edit: edit)
            if round > 0 { model = try LlamaModel(source: source, residency: original.residency) }
            let dense = options.targets == .dense && round > 0
            denseTargets = dense ? (original, source.keptLayers) : nil
            progress.note("iterative round \(round + 1): \(count) of \(model.geometry.layerCount) layers (\(removed) removed so far)"
                          + (dense ? ", targets from the dense model" : ""))
            // Fused statistics would regress onto the edited model's own output: dense targets take pass 2.
            let r = try planRound(calibration, opts, batches, fused: fused && !dense, progress, &timings)
            edit = try edit.followed(by: r.edit(numLayers: model.geometry.layerCount))
            let kept = source.keptLayers
            for (j, span) in r.spans.enumerated() {
                let originals = span.layers.map { kept[$0] }
                merged.spans.append(Span(start: originals[0], count: span.count))
                merged.layers!.append(originals)
                merged.keptLayers!.append(kept[span.keptLayer])
                merged.distances!.append(r.table.map { Self.meanDistance($0, span: span, n: count) })
                if j < r.fits.count { merged.fits.append(r.fits[j]) }
                if let s = r.scales[span.keptLayer] { merged.scales[kept[span.keptLayer], default: 1] *= s }
            }
            if round == 0 { merged.table = r.table }
            removed += count
            round += 1
        }
        return (edit, merged)
    }

    /// Pass 2 with `--targets dense`: per batch, the dense model up to the deepest original end layer (its output
    /// at each span's original end kept, [R, D]), then the edited model with those rows as the spans' targets.
    func collectWithDenseTargets(_ spans: [Span], _ calibration: CalibrationSet, _ options: PruneOptions,
                                 _ batches: CalibrationBatches, dense: LlamaModel, keptLayers: [Int],
                                 progress: ((Int, Int) -> Void)?) throws -> [LeastSquaresAccumulator] {
        let g = model.geometry
        let collector = SpanStatisticsObserver(
            spans: spans, numLayers: g.layerCount, width: g.hiddenSize,
            finalNorm: options.finalNormQuirk ? { [model] in model.applyFinalNorm(rows: $0, x: $1, y: $2) } : nil,
            withResidual: options.effectiveCompensation == .scale)
        // Original end layer → the edited model's end layer.
        let ends = Dictionary(uniqueKeysWithValues: Set(spans.map(\.lastRemoved)).map { (keptLayers[$0], $0) })
        let last = collector.lastLayer, total = batches.ranges.count * (last + 1)
        var done = 0
        for range in batches.ranges {
            let batch = CalibrationBatches.batch(calibration, range)
            var targets: [Int: [Float]] = [:]
            try dense.forward(batch, through: ends.keys.max()!, observer: ClosureObserver { s in
                if let e = ends[s.layer] { targets[e] = Array(UnsafeBufferPointer(start: s.output, count: s.rows * s.hiddenSize)) }
            }, finalRows: .all)
            collector.externalTargets = targets
            try model.forward(batch, through: last, observer: ClosureObserver { s in
                try collector.observe(s, firstSample: range.lowerBound)
                done += 1
                progress?(done, total)
            }, finalRows: .all)
        }
        try collector.checkFinite()
        return collector.stats
    }
}
