import XCTest
import TestSupport
import Llama
@testable import Pruning

/// Pass 1 and pass 2 on a small random in-memory model, checked against the definitions applied to recorded states.
final class PassesTests: XCTestCase {
    static let geometry = LlamaGeometry(hiddenSize: 16, intermediateSize: 24, layerCount: 6, heads: 4, kvHeads: 2,
                                        headDim: 4, vocabSize: 40, rmsNormEps: 1e-5, ropeTheta: 10000,
                                        maxPositions: 64)

    final class Recorder: LayerObserver {
        var y: [[Float]] = [], m: [[Float]] = [], out: [[Float]] = []
        func observe(_ s: LayerStates) throws {
            let n = s.rows * s.hiddenSize
            y.append(Array(UnsafeBufferPointer(start: s.attentionResidual, count: n)))
            m.append(Array(UnsafeBufferPointer(start: s.mlpOutput, count: n)))
            out.append(Array(UnsafeBufferPointer(start: s.output, count: n)))
        }
    }

    func calibration(samples: Int = 5, seqLen: Int = 7) throws -> CalibrationSet {
        var rng = SeededRandom(seed: 5)
        let ids = (0..<(samples * seqLen)).map { _ in Int(rng.next() % 40) }
        let dir = try temporaryDirectory()
        let url = dir.appendingPathComponent("ids.jsonl")
        try Data(("{\"ids\": " + "\(ids)" + "}\n").utf8).write(to: url)
        return try CalibrationSet.load(files: [url], samples: samples, seqLen: seqLen, encode: { _ in [] })
    }

    func testDistanceProfileMatchesRecordedStates() throws {
        let model = try LlamaModel(source: InMemoryWeights.random(geometry: Self.geometry), residency: .cached)
        let cal = try calibration()
        let rec = Recorder()
        try model.forward(CalibrationBatches.batch(cal, 0..<cal.samples), observer: rec)
        let d = Self.geometry.hiddenSize, t = cal.seqLen
        for quirk in [false, true] {
            var states = rec.out
            if quirk {
                var normed = states[5]
                normed.withUnsafeMutableBufferPointer { model.applyFinalNorm(rows: cal.samples * t, x: states[5], y: $0.baseAddress!) }
                states[5] = normed
            }
            // Batches of 2 samples (rows 14) exercise the batching.
            let table = try DistanceScorer.profile(model: model, calibration: cal, maxN: 4, tokens: .last,
                                                     finalNormQuirk: quirk,
                                                     batches: CalibrationBatches(samples: cal.samples, seqLen: t, targetRows: 14))
            for n in 1...4 {
                for s in 1...(6 - n) {
                    var sum = 0.0
                    for smp in 0..<cal.samples {
                        let row = (smp * t + t - 1) * d
                        let a = states[s - 1][row..<(row + d)].map(Double.init), b = states[s + n - 1][row..<(row + d)].map(Double.init)
                        let dot = zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
                        let na = a.reduce(0) { $0 + $1 * $1 }.squareRoot(), nb = b.reduce(0) { $0 + $1 * $1 }.squareRoot()
                        sum += acos(max(-1, min(1, dot / (na * nb)))) / Double.pi
                    }
                    XCTAssertEqual(table.distance(start: s, n: n), sum / Double(cal.samples), accuracy: 1e-6,
                                   "n=\(n) s=\(s) quirk=\(quirk)")
                }
            }
        }
    }

    func testStatisticsMatchRecordedStatesForSeveralSpans() throws {
        let model = try LlamaModel(source: InMemoryWeights.random(geometry: Self.geometry), residency: .cached)
        let cal = try calibration()
        let rec = Recorder()
        try model.forward(CalibrationBatches.batch(cal, 0..<cal.samples), observer: rec)
        // Overlapping spans of different lengths, two sharing kept block 0 and one starting where another ends.
        let spans = [Span(start: 1, count: 2), Span(start: 1, count: 3), Span(start: 2, count: 1), Span(start: 4, count: 2)]
        let stats = try SpanStatisticsObserver.collect(model: model, calibration: cal, spans: spans,
                                                    batches: CalibrationBatches(samples: cal.samples, seqLen: cal.seqLen, targetRows: 20))
        let d = Self.geometry.hiddenSize, r = cal.samples * cal.seqLen
        for (j, span) in spans.enumerated() {
            XCTAssertEqual(stats[j].rows, r)
            var g = [Double](repeating: 0, count: d * d), c = g
            let x = rec.m[span.keptLayer], y = rec.y[span.keptLayer], l = rec.out[span.lastRemoved]
            for row in 0..<r {
                for a in 0..<d {
                    for b in 0..<d {
                        g[a * d + b] += Double(x[row * d + a]) * Double(x[row * d + b])
                        c[a * d + b] += Double(x[row * d + a]) * Double(l[row * d + b] - y[row * d + b])
                    }
                }
            }
            XCTAssertLessThan(relativeError(stats[j].gram, g), 1e-5)   // batches of different sizes round differently in fp32
            XCTAssertLessThan(relativeError(stats[j].cross, c), 1e-5)
        }
    }

    /// When the removed blocks add nothing (o and down projections zero), L_end = Y_{s−1} + M_{s−1}, so T = I
    /// exactly and both residuals vanish.
    func testInertSpanGivesIdentityTransform() throws {
        let weights = InMemoryWeights.random(geometry: Self.geometry)
        for k in 2...3 {
            weights.layers[k].o = [Float](repeating: 0, count: weights.layers[k].o.count)
            weights.layers[k].down = [Float](repeating: 0, count: weights.layers[k].down.count)
        }
        let model = try LlamaModel(source: weights, residency: .cached)
        let cal = try calibration(samples: 6, seqLen: 8)
        let span = Span(start: 2, count: 2)
        let stats = try SpanStatisticsObserver.collect(model: model, calibration: cal, spans: [span])
        let fit = try TransformSolver.solve(stats[0], ridge: 0, layer: span.keptLayer)
        XCTAssertLessThan(relativeError(fit.matrix, LinearTransform.identity(width: 16)), 1e-4)
        XCTAssertLessThan(fit.relativeResidual, 1e-4)
        XCTAssertLessThan(fit.identityRelativeResidual, 1e-6)
    }

    /// Activations that overflow Float32 give a specific error naming the layer, from either pass.
    func testOverflowingActivationsNameTheLayer() throws {
        let weights = InMemoryWeights.random(geometry: Self.geometry)
        weights.layers[3].down = weights.layers[3].down.map { $0 * 1e37 }
        weights.layers[3].up = weights.layers[3].up.map { $0 * 1e10 }
        let model = try LlamaModel(source: weights, residency: .cached)
        let cal = try calibration()
        XCTAssertThrowsError(try DistanceScorer.profile(model: model, calibration: cal, maxN: 2, tokens: .last)) {
            guard case .nonFinite(_, let layer)? = $0 as? PruningError else { return XCTFail("\($0)") }
            XCTAssertEqual(layer, 3)
        }
        XCTAssertThrowsError(try SpanStatisticsObserver.collect(model: model, calibration: cal, spans: [Span(start: 4, count: 1)])) {
            guard case .nonFinite(_, let layer)? = $0 as? PruningError else { return XCTFail("\($0)") }
            XCTAssertEqual(layer, 3)
            XCTAssertTrue("\($0)".contains("layer 3"))
        }
    }
}
