import Foundation
import TensorCore

extension PerplexityEvaluator {
    /// The perplexity of the dense model and of each edit on the same windows, sharing work: each batch of windows
    /// runs the dense model once, keeping the residual stream entering every layer where some edit first differs
    /// from the dense model; each edit then resumes from there (`LlamaModel.forward(resume:)`), so the layers
    /// before its first edited layer are never run again. Results equal `evaluate` with that edit (same kernels on
    /// the same inputs). `self.edit` is ignored: index 0 of the result is the dense model, index i + 1 `edits[i]`.
    /// progress: (window-passes done, total), a pass being one window through the dense model or one edit.
    public func evaluate(tokens: [Int32], maxTokens: Int? = nil, edits: [ModelEdit],
                         progress: ((Int, Int) -> Void)? = nil) throws -> [Result] {
        for e in edits { try e.validate(geometry: model.geometry) }
        let all = try windows(of: tokens, maxTokens: maxTokens)
        let d = model.geometry.hiddenSize
        // The first layer each edit changes (an identity edit resumes after the last layer: logits only).
        let firstEdited = edits.map { e in e.layers.firstIndex { !$0.isIdentity } ?? model.geometry.layerCount - 1 }
        let kept = Set(firstEdited.filter { $0 > 0 })
        var nllSum = [Double](repeating: 0, count: edits.count + 1)
        var seconds = [Double](repeating: 0, count: edits.count + 1)
        var scored = 0, done = 0
        let total = all.count * (edits.count + 1)
        while done < all.count {
            let group = Array(all[done..<min(all.count, done + windowsPerBatch)])
            let batch = ForwardBatch(samples: group)
            let targets = Self.targets(batch)
            scored += targets.filter { $0 >= 0 }.count
            var inputs: [Int: [Float]] = [:]      // inputs[k]: L_{k-1} of this batch, [R, D]
            let keep = ClosureObserver { s in
                if kept.contains(s.layer) { inputs[s.layer] = Array(UnsafeBufferPointer(start: s.input, count: s.rows * d)) }
            }
            func run(_ i: Int, _ body: (NLLAccumulator) throws -> Void) throws {
                let t = ContinuousClock.now
                let sink = NLLAccumulator(targets: targets)
                try body(sink)
                for (r, nll) in sink.negativeLogLikelihoods.enumerated() where targets[r] >= 0 { nllSum[i] += nll }
                seconds[i] += (ContinuousClock.now - t).seconds
                progress?(done * (edits.count + 1) + (i + 1) * group.count, total)
            }
            try run(0) { try model.forward(batch, observer: keep, logits: $0) }
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
        }
        return (0...edits.count).map { i in
            let mean = nllSum[i] / Double(scored)
            return Result(windows: all.count, scoredTokens: scored, processedTokens: all.count * seqLen, meanNLL: mean,
                          perplexity: Foundation.exp(mean), seconds: seconds[i])
        }
    }
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
