import XCTest
@testable import Llama

final class PerplexityEvaluatorTests: XCTestCase {
    static let geometry = LlamaGeometry(hiddenSize: 16, intermediateSize: 24, layerCount: 2, heads: 2, kvHeads: 1,
                                        headDim: 8, vocabSize: 37, rmsNormEps: 1e-6, ropeTheta: 10000,
                                        maxPositions: 64)

    func makeModel() throws -> LlamaModel {
        try LlamaModel(source: InMemoryWeights.random(geometry: Self.geometry, tied: true, seed: 3))
    }

    func testWindowsWithAndWithoutBOS() throws {
        let model = try makeModel()
        let tokens: [Int32] = Array(0..<11)
        let withBOS = PerplexityEvaluator(model: model, seqLen: 4, bos: 36)
        XCTAssertEqual(try withBOS.windows(of: tokens), [[36, 0, 1, 2], [36, 3, 4, 5], [36, 6, 7, 8]])
        XCTAssertEqual(try withBOS.windows(of: tokens, maxTokens: 7), [[36, 0, 1, 2], [36, 3, 4, 5]])
        let noBOS = PerplexityEvaluator(model: model, seqLen: 4, bos: nil)
        XCTAssertEqual(try noBOS.windows(of: tokens), [[0, 1, 2, 3], [4, 5, 6, 7]])
        XCTAssertThrowsError(try withBOS.windows(of: [1, 2])) {
            XCTAssertEqual($0 as? LlamaError, .textTooShort(tokens: 2, needed: 3, seqLen: 4))
        }
        XCTAssertThrowsError(try noBOS.windows(of: tokens, maxTokens: 3)) {
            XCTAssertEqual($0 as? LlamaError, .textTooShort(tokens: 3, needed: 4, seqLen: 4))
        }
    }

    /// The streaming NLL equals log-softmax computed in Float64 from the full logits.
    func testPerplexityMatchesFullLogSoftmax() throws {
        let model = try makeModel()
        let tokens: [Int32] = (0..<40).map { Int32(($0 * 7 + 3) % 37) }
        let evaluator = PerplexityEvaluator(model: model, seqLen: 9, bos: 1, windowsPerBatch: 2)
        let result = try evaluator.evaluate(tokens: tokens)
        XCTAssertEqual(result.windows, 5)
        XCTAssertEqual(result.scoredTokens, 40)
        XCTAssertEqual(result.processedTokens, 45)

        var sum = 0.0, n = 0
        let v = Self.geometry.vocabSize
        for window in try evaluator.windows(of: tokens) {
            let sink = LogitsCollector(rows: window.count, vocabSize: v)
            try model.forward(ForwardBatch(samples: [window]), logits: sink)
            for t in 0..<(window.count - 1) {
                let row = sink.logits[(t * v)..<((t + 1) * v)].map(Double.init)
                let m = row.max()!
                let lse = m + Foundation.log(row.map { Foundation.exp($0 - m) }.reduce(0, +))
                sum += lse - row[Int(window[t + 1])]
                n += 1
            }
        }
        XCTAssertEqual(result.meanNLL, sum / Double(n), accuracy: 1e-5 * sum / Double(n))
        XCTAssertEqual(result.perplexity, Foundation.exp(sum / Double(n)), accuracy: 1e-4 * result.perplexity)
    }

    /// Several vocabulary chunks: the online logsumexp must rescale correctly.
    func testNLLAcrossVocabularyChunks() throws {
        let logits: [Float] = [1, 5, -3, 2, 9, 0.5, -1, 4]          // 1 row, V = 8, fed as chunks of 3, 3, 2
        let sink = NLLAccumulator(targets: [5])
        try logits.withUnsafeBufferPointer { p in
            for (lo, hi) in [(0, 3), (3, 6), (6, 8)] {
                try sink.consume(rows: 0..<1, vocab: lo..<hi, logits: p.baseAddress! + lo, stride: 8)
            }
        }
        let m = 9.0
        let lse = m + Foundation.log(logits.map { Foundation.exp(Double($0) - m) }.reduce(0, +))
        XCTAssertEqual(sink.negativeLogLikelihoods[0], lse - 0.5, accuracy: 1e-6)
    }

    /// Without the shared model's score, the edits' perplexities are unchanged (bit for bit: same kernels on the
    /// same resumed streams) and index 0 is NaN; with divergence the shared model is scored regardless.
    func testEditsWithoutTheReferenceScoreAreUnchanged() throws {
        let model = try makeModel()
        let tokens: [Int32] = (0..<40).map { Int32(($0 * 7 + 3) % 37) }
        let evaluator = PerplexityEvaluator(model: model, seqLen: 8, bos: nil, windowsPerBatch: 2)
        let edits = [ModelEdit(layers: [LayerEdit(attention: false), LayerEdit()]),
                     ModelEdit(layers: [LayerEdit(), LayerEdit.dropped]),
                     ModelEdit(layers: [LayerEdit(), LayerEdit(mlp: false)])]
        let full = try evaluator.evaluate(tokens: tokens, edits: edits)
        let lean = try evaluator.evaluate(tokens: tokens, edits: edits, scoreReference: false)
        XCTAssertTrue(full[0].perplexity.isFinite)
        XCTAssertTrue(lean[0].perplexity.isNaN && lean[0].meanNLL.isNaN)
        for i in 1...edits.count { XCTAssertEqual(lean[i].perplexity, full[i].perplexity, "edit \(i - 1)") }
        let kl = try evaluator.evaluate(tokens: tokens, edits: edits, divergence: true, scoreReference: false)
        XCTAssertEqual(kl[0].perplexity, full[0].perplexity, accuracy: 1e-9 * full[0].perplexity)
    }

    /// A race drops an edit after its second window: the other edits' results are unchanged, the dropped edit's
    /// are those of evaluating it on its first two windows alone, and the race sees each running edit's per-window
    /// mean NLLs (whose mean is the edit's mean NLL, every window scoring the same number of tokens).
    func testARaceStopsScoringTheEditsItDrops() throws {
        let model = try makeModel()
        let tokens: [Int32] = (0..<40).map { Int32(($0 * 7 + 3) % 37) }   // 5 windows of 8, no BOS: 7 scored each
        let evaluator = PerplexityEvaluator(model: model, seqLen: 8, bos: nil, windowsPerBatch: 1)
        let edits = [ModelEdit(layers: [LayerEdit(attention: false), LayerEdit()]),
                     ModelEdit(layers: [LayerEdit(), LayerEdit.dropped]),
                     ModelEdit(layers: [LayerEdit(), LayerEdit(mlp: false)])]
        let full = try evaluator.evaluate(tokens: tokens, edits: edits)
        var seen: [[[Double]]] = []
        let raced = try evaluator.evaluate(tokens: tokens, edits: edits, race: { scores in
            seen.append(scores)
            return scores.indices.map { !(scores.count == 3 && $0 == 1 && scores[$0].count == 2) }
        })
        XCTAssertEqual(seen.map(\.count), [3, 3, 2, 2, 2])
        XCTAssertEqual(seen.last!.map(\.count), [5, 5])
        for i in [1, 3] {
            XCTAssertEqual(raced[i].perplexity, full[i].perplexity, accuracy: 1e-12 * full[i].perplexity)
            XCTAssertEqual(raced[i].windows, 5)
        }
        let alone = try evaluator.evaluate(tokens: Array(tokens.prefix(16)), edits: [edits[1]])
        XCTAssertEqual(raced[2].windows, 2)
        XCTAssertEqual(raced[2].scoredTokens, 14)
        XCTAssertEqual(raced[2].perplexity, alone[1].perplexity, accuracy: 1e-12 * alone[1].perplexity)
        let meanOfWindows = seen.last![0].reduce(0, +) / 5
        XCTAssertEqual(meanOfWindows, full[1].meanNLL, accuracy: 1e-12)
    }

    /// `evaluate(edits:divergence:)` against KL computed in Float64 from full logits of both models, per token; the
    /// same NLL as without divergence; and the accumulator's chunked rescaling against a one-chunk sum.
    func testKLDivergenceMatchesFullSoftmaxes() throws {
        let model = try makeModel()
        let tokens: [Int32] = (0..<40).map { Int32(($0 * 5 + 2) % 37) }
        let evaluator = PerplexityEvaluator(model: model, seqLen: 8, bos: nil, windowsPerBatch: 2)
        let edits = [ModelEdit(layers: [LayerEdit(attention: false), LayerEdit()]),
                     ModelEdit(layers: [LayerEdit(), LayerEdit.dropped])]
        let results = try evaluator.evaluate(tokens: tokens, edits: edits, divergence: true)
        let plain = try evaluator.evaluate(tokens: tokens, edits: edits)
        let v = Self.geometry.vocabSize
        func logSoftmax(_ z: ArraySlice<Float>) -> [Double] {
            let row = z.map(Double.init), m = row.max()!
            let lse = m + Foundation.log(row.map { Foundation.exp($0 - m) }.reduce(0, +))
            return row.map { $0 - lse }
        }
        XCTAssertEqual(results[0].klDivergence, 0)
        for (i, edit) in edits.enumerated() {
            var kl = 0.0, n = 0
            for window in try evaluator.windows(of: tokens) {
                let dense = LogitsCollector(rows: window.count, vocabSize: v), edited = LogitsCollector(rows: window.count, vocabSize: v)
                try model.forward(ForwardBatch(samples: [window]), logits: dense)
                try model.forward(ForwardBatch(samples: [window]), edit: edit, logits: edited)
                for t in 0..<(window.count - 1) {
                    let p = logSoftmax(dense.logits[(t * v)..<((t + 1) * v)]), q = logSoftmax(edited.logits[(t * v)..<((t + 1) * v)])
                    kl += zip(p, q).reduce(0.0) { $0 + Foundation.exp($1.0) * ($1.0 - $1.1) }
                    n += 1
                }
            }
            let expected = kl / Double(n)
            XCTAssertGreaterThan(expected, 1e-3, "edit \(i) changes the model")
            XCTAssertEqual(try XCTUnwrap(results[i + 1].klDivergence), expected, accuracy: 1e-5 * expected, "edit \(i)")
            XCTAssertEqual(results[i + 1].perplexity, plain[i + 1].perplexity, accuracy: 1e-9 * plain[i + 1].perplexity)
            XCTAssertNil(plain[i + 1].klDivergence)
        }
        // Chunked: the running max and both sums rescale as chunks arrive.
        let y: [Float] = [1, 5, -3, 2, 9, 0.5, -1, 4], z: [Float] = [0, 6, -2, 2, 7, 1.5, -1, 3]
        let sink = KLDivergenceAccumulator(targets: [3], referenceNormed: [])
        try y.withUnsafeBufferPointer { py in
            try z.withUnsafeBufferPointer { pz in
                for (lo, hi) in [(0, 3), (3, 6), (6, 8)] {
                    try sink.consume(rows: 0..<1, vocab: lo..<hi, logits: pz.baseAddress! + lo, reference: py.baseAddress! + lo, stride: 8)
                }
            }
        }
        let p = logSoftmax(y[...]), q = logSoftmax(z[...])
        // (The edited model's Σ exp is a Float32 kernel sum, as for the NLL: 1e-6 relative.)
        XCTAssertEqual(sink.divergences[0], zip(p, q).reduce(0.0) { $0 + Foundation.exp($1.0) * ($1.0 - $1.1) }, accuracy: 1e-6)
        XCTAssertEqual(sink.negativeLogLikelihoods[0], -q[3], accuracy: 1e-6)
    }
}
