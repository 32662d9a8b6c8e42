import XCTest
@testable import Llama

/// Properties of the forward pass that hold for any weights: batching, observer indexing, early stop, errors.
final class LlamaModelBatchTests: XCTestCase {
    static let geometry = LlamaGeometry(hiddenSize: 24, intermediateSize: 40, layerCount: 3, heads: 4, kvHeads: 2,
                                        headDim: 6, vocabSize: 50, rmsNormEps: 1e-5, ropeTheta: 10000,
                                        maxPositions: 40)

    func makeModel(residency: LlamaModel.Residency = .cached) throws -> LlamaModel {
        let weights = InMemoryWeights.random(geometry: Self.geometry, biases: LayerBiasLayout(qkv: true, output: false, mlp: true))
        return try LlamaModel(source: weights, residency: residency)
    }

    /// Records every layer's four matrices.
    final class Recorder: LayerObserver {
        var input: [[Float]] = [], attentionResidual: [[Float]] = [], mlpOutput: [[Float]] = [], output: [[Float]] = []
        var sampleRows: [Range<Int>] = []
        func observe(_ s: LayerStates) throws {
            let n = s.rows * s.hiddenSize
            input.append(Array(UnsafeBufferPointer(start: s.input, count: n)))
            attentionResidual.append(Array(UnsafeBufferPointer(start: s.attentionResidual, count: n)))
            mlpOutput.append(Array(UnsafeBufferPointer(start: s.mlpOutput, count: n)))
            output.append(Array(UnsafeBufferPointer(start: s.output, count: n)))
            sampleRows = s.sampleRows
        }
    }

    static let samples: [[Int32]] = [[3, 14, 15, 9, 26, 5, 35, 8, 9, 7, 9, 3, 2], [1], [27, 18, 28, 18, 28, 45, 9]]

    func testBatchEqualsSamplesRunAlone() throws {
        let model = try makeModel()
        let batch = ForwardBatch(samples: Self.samples)
        let all = Recorder()
        let logits = LogitsCollector(rows: batch.rows, vocabSize: Self.geometry.vocabSize)
        try model.forward(batch, observer: all, logits: logits)
        XCTAssertEqual(all.output.count, Self.geometry.layerCount)
        let d = Self.geometry.hiddenSize, v = Self.geometry.vocabSize
        for (s, sample) in Self.samples.enumerated() {
            let one = Recorder()
            let oneLogits = LogitsCollector(rows: sample.count, vocabSize: v)
            try model.forward(ForwardBatch(samples: [sample]), observer: one, logits: oneLogits)
            let rows = batch.sampleRows[s]
            for k in 0..<Self.geometry.layerCount {
                let slice = Array(all.output[k][(rows.lowerBound * d)..<(rows.upperBound * d)])
                XCTAssertLessThan(relativeError(slice, one.output[k]), 1e-6, "sample \(s) layer \(k)")
            }
            let slice = Array(logits.logits[(rows.lowerBound * v)..<(rows.upperBound * v)])
            XCTAssertLessThan(relativeError(slice, oneLogits.logits), 1e-6, "sample \(s) logits")
        }
    }

    /// `finalRows: .lastTokens`: the last layer run gives each sample's last-token rows of the full forward (with
    /// biases, GQA, a one-token sample and an early `through`), one row per sample.
    func testLastTokensOnlyEqualsTheLastRowsOfTheFullLayer() throws {
        let model = try makeModel()
        let batch = ForwardBatch(samples: Self.samples)
        let d = Self.geometry.hiddenSize
        for through in [1, Self.geometry.layerCount - 1] {
            let full = Recorder(), last = Recorder()
            try model.forward(batch, through: through, observer: full)
            try model.forward(batch, through: through, observer: last, finalRows: .lastTokens)
            XCTAssertEqual(last.sampleRows, [0..<1, 1..<2, 2..<3])
            XCTAssertEqual(last.output.count, through + 1)
            for k in 0..<through { XCTAssertEqual(last.output[k], full.output[k], "layer \(k) runs on every row") }
            for (s, rows) in batch.sampleRows.enumerated() {
                let r = rows.upperBound - 1
                for (name, a, b) in [("input", last.input, full.input), ("Y", last.attentionResidual, full.attentionResidual),
                                     ("M", last.mlpOutput, full.mlpOutput), ("L", last.output, full.output)] {
                    let got = Array(a[through][(s * d)..<((s + 1) * d)]), want = Array(b[through][(r * d)..<((r + 1) * d)])
                    XCTAssertLessThan(relativeError(got, want), 1e-6, "\(name) sample \(s) through \(through)")
                }
            }
        }
    }

    func testObserverIndexing() throws {
        let model = try makeModel()
        let rec = Recorder()
        let batch = ForwardBatch(samples: Self.samples)
        try model.forward(batch, observer: rec)
        XCTAssertEqual(rec.sampleRows, [0..<13, 13..<14, 14..<21])
        for k in 0..<Self.geometry.layerCount {
            // L_k = Y_k + M_k
            let sum = zip(rec.attentionResidual[k], rec.mlpOutput[k]).map { $0 + $1 }
            XCTAssertLessThan(relativeError(rec.output[k], sum), 1e-6)
            // input of layer k+1 is the output of layer k
            if k > 0 { XCTAssertEqual(rec.input[k], rec.output[k - 1]) }
            XCTAssertGreaterThan(relativeError(rec.output[k], rec.input[k]), 1e-3, "layer \(k) changed nothing")
        }
    }

    func testThroughStopsEarlyAndMatchesFullRun() throws {
        let model = try makeModel()
        let full = Recorder(), part = Recorder()
        let batch = ForwardBatch(samples: Self.samples)
        try model.forward(batch, observer: full)
        var reported: [(Int, Int)] = []
        try model.forward(batch, through: 1, observer: part, progress: { reported.append(($0, $1)) })
        XCTAssertEqual(part.output.count, 2)
        XCTAssertEqual(part.output[1], full.output[1])
        XCTAssertEqual(reported.map(\.0), [1, 2])
    }

    func testStreamingEqualsCached() throws {
        let cached = try makeModel(residency: .cached), streaming = try makeModel(residency: .streaming)
        let batch = ForwardBatch(samples: Self.samples)
        let a = LogitsCollector(rows: batch.rows, vocabSize: Self.geometry.vocabSize)
        let b = LogitsCollector(rows: batch.rows, vocabSize: Self.geometry.vocabSize)
        try cached.forward(batch, logits: a)
        try streaming.forward(batch, logits: b)
        XCTAssertEqual(a.logits, b.logits)
        XCTAssertFalse(a.logits.contains { !$0.isFinite })
    }

    func testFinalNormMatchesDefinition() throws {
        let model = try makeModel()
        let x: [Float] = (0..<(2 * 24)).map { Float($0 % 7) - 3 }
        var y = [Float](repeating: 0, count: x.count)
        model.applyFinalNorm(rows: 2, x: x, y: &y)
        let w = try (model.source as! InMemoryWeights).loadFinalNorm()
        for r in 0..<2 {
            let row = x[(r * 24)..<(r * 24 + 24)]
            let rms = (row.map { Double($0 * $0) }.reduce(0, +) / 24 + 1e-5).squareRoot()
            for i in 0..<24 {
                XCTAssertEqual(Double(y[r * 24 + i]), Double(row[r * 24 + i]) / rms * Double(w[i]), accuracy: 1e-5)
            }
        }
    }

    func testBadRequestsGiveSpecificErrors() throws {
        let model = try makeModel()
        XCTAssertThrowsError(try model.forward(ForwardBatch(samples: []))) {
            XCTAssertEqual($0 as? LlamaError, .emptyBatch)
        }
        XCTAssertThrowsError(try model.forward(ForwardBatch(samples: [[1], []]))) {
            XCTAssertEqual($0 as? LlamaError, .emptySample(sample: 1))
        }
        XCTAssertThrowsError(try model.forward(ForwardBatch(samples: [[1, 2, 50]]))) {
            XCTAssertEqual($0 as? LlamaError, .tokenOutOfRange(sample: 0, position: 2, token: 50, vocabSize: 50))
        }
        XCTAssertThrowsError(try model.forward(ForwardBatch(samples: [[1], [Int32](repeating: 3, count: 41)]))) {
            XCTAssertEqual($0 as? LlamaError, .sequenceTooLong(sample: 1, length: 41, maxPositions: 40))
            XCTAssertTrue("\($0)".contains("max_position_embeddings (40)"))
        }
        XCTAssertThrowsError(try model.forward(ForwardBatch(samples: [[1]]), through: 3)) {
            XCTAssertEqual($0 as? LlamaError, .layerOutOfRange(layer: 3, layerCount: 3))
        }
        let sink = LogitsCollector(rows: 1, vocabSize: 50)
        XCTAssertThrowsError(try model.forward(ForwardBatch(samples: [[1]]), through: 1, logits: sink)) {
            XCTAssertEqual($0 as? LlamaError, .logitsNeedAllLayers(through: 1, layerCount: 3))
        }
    }
}

/// ‖a − b‖ / ‖b‖ in Float64.
func relativeError(_ a: [Float], _ b: [Float]) -> Double {
    precondition(a.count == b.count, "length \(a.count) vs \(b.count)")
    var num = 0.0, den = 0.0
    for i in a.indices {
        let d = Double(a[i]) - Double(b[i])
        num += d * d
        den += Double(b[i]) * Double(b[i])
    }
    return den == 0 ? num.squareRoot() : (num / den).squareRoot()
}

extension LlamaModelBatchTests {
    func testPreloadFillsTheCacheAndChangesNothing() throws {
        let model = try makeModel(residency: .cached)
        try model.preload(head: true)
        XCTAssertFalse(model.layerCache.contains { $0 == nil })
        XCTAssertNotNil(model.headCache)
        let fresh = try makeModel(residency: .cached)
        let batch = ForwardBatch(samples: Self.samples)
        let a = LogitsCollector(rows: batch.rows, vocabSize: Self.geometry.vocabSize)
        let b = LogitsCollector(rows: batch.rows, vocabSize: Self.geometry.vocabSize)
        try model.forward(batch, logits: a)
        try fresh.forward(batch, logits: b)
        XCTAssertEqual(a.logits, b.logits)
        let streaming = try makeModel(residency: .streaming)
        try streaming.preload()
        XCTAssertNil(streaming.headCache)
    }
}
