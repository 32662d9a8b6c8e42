import Foundation
import TensorCore

extension PerplexityEvaluator {
    /// The perplexity of the dense model and of each edit on the same windows, sharing work: each batch of windows
    /// runs the dense model once, keeping the residual stream entering every layer where some edit first differs
    /// from the dense model; each edit then resumes from there (`LlamaModel.forward(resume:)`), so the layers
    /// before its first edited layer are never run again. Results equal `evaluate` with that edit (same kernels on
    /// the same inputs). `self.edit` is ignored: index 0 of the result is the dense model, index i + 1 `edits[i]`.
    ///
    /// With `base`, the shared model is `base` instead of the dense one (index 0 of the result), and each edit
    /// resumes from the first layer where it differs from `base` (a greedy search scoring one more removal on the
    /// model edited so far). With `nonFiniteIsNaN`, an edit whose logits are not finite gets a NaN perplexity
    /// instead of stopping the evaluation (its later batches are skipped).
    /// With `divergence`, each edit also gets its mean KL divergence from the shared model's next-token
    /// distribution (`KLDivergenceAccumulator`: the shared model's final normed states are kept per batch, [R, D],
    /// and its logits recomputed beside each edit's, so the head runs twice per edit).
    /// With `scoreReference` false (and no `divergence`), the shared model runs only as far as the last layer an
    /// edit resumes at, without its head, and index 0 of the result has NaN perplexity and NLL: for callers that
    /// rank the edits and know the shared model's figure already (it saves a full forward and head per batch).
    /// With `race`, after every batch the edits still running are passed their per-window scores so far
    /// ([edit][window]: mean NLL per scored token of each window, or mean KL divergence with `divergence`) and
    /// those it returns false for are not run on later windows (a race: `PerplexitySelector`); their results are over
    /// the windows they ran (`Result.windows`, `scoredTokens`), and the shared model runs only as far as the edits
    /// still running need.
    /// progress: (window-passes done, total), a pass being one window through the dense model or one edit.
    public func evaluate(tokens: [Int32], maxTokens: Int? = nil, edits: [ModelEdit], base: ModelEdit? = nil,
                         nonFiniteIsNaN: Bool = false, divergence: Bool = false, scoreReference: Bool = true,
                         race: ((_ windowScores: [[Double]]) -> [Bool])? = nil,
                         progress: ((Int, Int) -> Void)? = nil) throws -> [Result] {
        for e in edits { try e.validate(geometry: model.geometry) }
        try base?.validate(geometry: model.geometry)
        let all = try windows(of: tokens, maxTokens: maxTokens)
        let d = model.geometry.hiddenSize
        let reference = base ?? .identity(layerCount: model.geometry.layerCount)
        // The first layer each edit changes (an edit equal to the reference resumes after the last layer: logits only).
        let firstEdited = edits.map { e in
            e.layers.indices.first { e.layers[$0] != reference.layers[$0] } ?? model.geometry.layerCount - 1
        }
        let scoresReference = scoreReference || divergence
        var failed = [Bool](repeating: false, count: edits.count + 1)
        var running = [Bool](repeating: true, count: edits.count + 1)   // false: dropped by `race`
        var windowScores = [[Double]](repeating: [], count: edits.count + 1)   // [edit + 1][window], with `race`
        var scoredPer = [Int](repeating: 0, count: edits.count + 1)
        var nllSum = [Double](repeating: 0, count: edits.count + 1)
        var klSum = [Double](repeating: 0, count: edits.count + 1)
        var seconds = [Double](repeating: 0, count: edits.count + 1)
        var scored = 0, done = 0
        let total = all.count * (edits.count + 1)
        while done < all.count {
            let group = Array(all[done..<min(all.count, done + windowsPerBatch)])
            let batch = ForwardBatch(samples: group)
            let targets = Self.targets(batch)
            let scoredHere = targets.filter { $0 >= 0 }.count
            scored += scoredHere
            let kept = Set(firstEdited.indices.filter { running[$0 + 1] && firstEdited[$0] > 0 }.map { firstEdited[$0] })
            var inputs: [Int: [Float]] = [:]      // inputs[k]: L_{k-1} of this batch, [R, D]
            var referenceNormed: [Float] = []     // RMSNorm_final(L_{L-1}) of the shared model, [R, D] (divergence only)
            let last = model.geometry.layerCount - 1
            let keep = ClosureObserver { s in
                if kept.contains(s.layer) { inputs[s.layer] = Array(UnsafeBufferPointer(start: s.input, count: s.rows * d)) }
                if divergence && s.layer == last {
                    referenceNormed = [Float](repeating: 0, count: s.rows * d)
                    referenceNormed.withUnsafeMutableBufferPointer { self.model.applyFinalNorm(rows: s.rows, x: s.output, y: $0.baseAddress!) }
                }
            }
            func run(_ i: Int, _ body: (LogitsSink) throws -> Void) throws {
                defer { progress?(done * (edits.count + 1) + (i + 1) * group.count, total) }
                guard !failed[i], running[i] else { return }
                let t = ContinuousClock.now
                let kl = divergence && i > 0 ? KLDivergenceAccumulator(targets: targets, referenceNormed: referenceNormed) : nil
                let nll = kl == nil ? NLLAccumulator(targets: targets) : nil
                do {
                    try body(kl ?? nll!)
                } catch LlamaError.nonFiniteLogits(_) where nonFiniteIsNaN && i > 0 {
                    failed[i] = true
                    return
                }
                let nlls = kl?.negativeLogLikelihoods ?? nll!.negativeLogLikelihoods
                for (r, v) in nlls.enumerated() where targets[r] >= 0 { nllSum[i] += v }
                if let kl { for (r, v) in kl.divergences.enumerated() where targets[r] >= 0 { klSum[i] += v } }
                scoredPer[i] += scoredHere
                if race != nil {
                    let values = kl?.divergences ?? nlls
                    for rows in batch.sampleRows {
                        let scoredRows = rows.filter { targets[$0] >= 0 }
                        windowScores[i].append(scoredRows.reduce(0) { $0 + values[$1] } / Double(max(1, scoredRows.count)))
                    }
                }
                seconds[i] += (ContinuousClock.now - t).seconds
            }
            if scoresReference {
                try run(0) { try model.forward(batch, edit: base, observer: keep, logits: $0) }
            } else {
                // Only the residual streams the edits resume from: through the last of those layers, no head.
                defer { progress?(done * (edits.count + 1) + group.count, total) }
                let t = ContinuousClock.now
                if let through = kept.max() { try model.forward(batch, edit: base, through: through, observer: keep) }
                seconds[0] += (ContinuousClock.now - t).seconds
            }
            for (i, e) in edits.enumerated() {
                let k = firstEdited[i]
                try run(i + 1) { sink in
                    if let input = inputs[k] {
                        try input.withUnsafeBufferPointer {
                            try model.forward(batch, edit: e, logits: sink, resume: (k, $0.baseAddress!))
                        }
                    } else {
                        try model.forward(batch, edit: e, logits: sink)
                    }
                }
            }
            done += group.count
            if let race {
                let racing = edits.indices.map { $0 + 1 }.filter { running[$0] && !failed[$0] }
                for (i, keep) in zip(racing, race(racing.map { windowScores[$0] })) where !keep { running[i] = false }
            }
        }
        return (0...edits.count).map { i in
            let n = i == 0 ? scored : scoredPer[i]   // an edit dropped by `race` is scored on the windows it ran
            let windows = i == 0 || running[i] ? all.count : windowScores[i].count
            let mean = failed[i] || (i == 0 && !scoresReference) ? .nan : nllSum[i] / Double(n)
            return Result(windows: windows, scoredTokens: n, processedTokens: windows * seqLen, meanNLL: mean,
                          perplexity: Foundation.exp(mean), seconds: seconds[i],
                          klDivergence: divergence ? (i == 0 ? 0 : failed[i] ? .nan : klSum[i] / Double(n)) : nil)
        }
    }
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
