import XCTest
import TensorCore
@testable import Llama

/// The model run "as edited": each kind of `LayerEdit` against the same function built by hand on the dense
/// weights (zeroed rows/columns compute exactly what removed ones do; a fold done by hand), on both
/// residencies, with biases, GQA and a one-token sample; and the edit's validation errors.
final class ModelEditTests: XCTestCase {
    static let geometry = LlamaGeometry(hiddenSize: 24, intermediateSize: 40, layerCount: 4, heads: 6, kvHeads: 3,
                                        headDim: 4, vocabSize: 50, rmsNormEps: 1e-5, ropeTheta: 10000,
                                        maxPositions: 40)
    static let biases = LayerBiasLayout(qkv: true, output: true, mlp: true)
    static let samples: [[Int32]] = [[3, 14, 15, 9, 26, 5, 35, 8, 9, 7, 9, 3, 2], [1], [27, 18, 28, 18, 28, 45, 9]]

    func weights() -> InMemoryWeights { InMemoryWeights.random(geometry: Self.geometry, biases: Self.biases, seed: 7) }

    func logits(_ source: InMemoryWeights, edit: ModelEdit?, residency: LlamaModel.Residency) throws -> [Float] {
        let model = try LlamaModel(source: source, residency: residency)
        let batch = ForwardBatch(samples: Self.samples)
        let sink = LogitsCollector(rows: batch.rows, vocabSize: Self.geometry.vocabSize)
        try model.forward(batch, edit: edit, logits: sink)
        return sink.logits
    }

    /// Edited forward on `source` vs plain forward on `reference` (the same function by hand), both residencies.
    func check(_ edit: ModelEdit, equals reference: InMemoryWeights, tolerance: Double = 1e-6,
               file: StaticString = #filePath, line: UInt = #line) throws {
        let want = try logits(reference, edit: nil, residency: .cached)
        for residency in [LlamaModel.Residency.cached, .streaming] {
            let got = try logits(weights(), edit: edit, residency: residency)
            XCTAssertLessThan(relativeError(got, want), tolerance, "\(residency)", file: file, line: line)
        }
        let dense = try logits(weights(), edit: nil, residency: .cached)
        XCTAssertGreaterThan(relativeError(dense, want), 1e-3, "the edit must change the model",
                             file: file, line: line)
    }

    func testDroppedBlocksEqualTheShorterModel() throws {
        var edit = ModelEdit.identity(layerCount: 4)
        edit.layers[1] = .dropped
        edit.layers[2] = .dropped
        let w = weights()
        let short = InMemoryWeights(geometry: { var g = Self.geometry; g.layerCount = 2; return g }(),
                                    layers: [w.layers[0], w.layers[3]], embedding: w.embedding, finalNorm: w.finalNorm,
                                    head: w.head)
        let want = try logits(short, edit: nil, residency: .cached)
        for residency in [LlamaModel.Residency.cached, .streaming] {
            XCTAssertEqual(try logits(weights(), edit: edit, residency: residency), want, "\(residency): bit-identical")
        }
    }

    func testDroppedSubBlocksEqualZeroedProjections() throws {
        var edit = ModelEdit.identity(layerCount: 4)
        edit.layers[1].attention = false
        edit.layers[2].mlp = false
        let ref = weights()
        ref.layers[1].o = ref.layers[1].o.map { _ in 0 }; ref.layers[1].oBias = ref.layers[1].oBias!.map { _ in 0 }
        ref.layers[2].down = ref.layers[2].down.map { _ in 0 }; ref.layers[2].downBias = ref.layers[2].downBias!.map { _ in 0 }
        try check(edit, equals: ref)
    }

    func testKeptChannelsEqualZeroedChannels() throws {
        let keep = [0, 3, 4, 9, 17, 18, 30, 39]
        var edit = ModelEdit.identity(layerCount: 4)
        edit.layers[2].mlpChannels = keep
        let ref = weights()
        let d = Self.geometry.hiddenSize, f = Self.geometry.intermediateSize
        for c in 0..<f where !keep.contains(c) {
            for j in 0..<d { ref.layers[2].gate[c * d + j] = 0; ref.layers[2].up[c * d + j] = 0; ref.layers[2].down[j * f + c] = 0 }
            ref.layers[2].gateBias![c] = 0; ref.layers[2].upBias![c] = 0
        }
        try check(edit, equals: ref)
    }

    func testKeptKVGroupsEqualZeroedHeads() throws {
        var edit = ModelEdit.identity(layerCount: 4)
        edit.layers[0].kvGroups = [0, 2]     // group 1 (query heads 2, 3) removed
        edit.layers[3].kvGroups = [1]
        let ref = weights()
        let d = Self.geometry.hiddenSize, hd = 4, qw = 24
        for (k, removedHeads) in [(0, [2, 3]), (3, [0, 1, 4, 5])] {
            for h in removedHeads { for r in 0..<d { for e in 0..<hd { ref.layers[k].o[r * qw + h * hd + e] = 0 } } }
        }
        try check(edit, equals: ref)
    }

    /// T and s fold into down_proj and o_proj as written (F32 storage here: one rounding of the Float64 fold).
    func testTransformAndScaleEqualTheHandFold() throws {
        let d = Self.geometry.hiddenSize, f = Self.geometry.intermediateSize
        var t = [Double](repeating: 0, count: d * d)
        var g = LCG(seed: 3)
        for i in 0..<d { for j in 0..<d { t[i * d + j] = (i == j ? 1 : 0) + 0.2 * g.next() } }
        var edit = ModelEdit.identity(layerCount: 4)
        edit.layers[1].transform = t
        edit.layers[1].residualScale = 0.8
        edit.layers[2].residualScale = 1.25
        let ref = weights()
        for k in [1, 2] {
            let s = k == 1 ? 0.8 : 1.25
            var w = ref.layers[k]
            w.o = w.o.map { Float(Double($0) * s) }
            w.oBias = w.oBias!.map { Float(Double($0) * s) }
            if k == 1 {
                var down = [Float](repeating: 0, count: d * f), bias = [Float](repeating: 0, count: d)
                for i in 0..<d {
                    for j in 0..<f { down[i * f + j] = Float(s * (0..<d).reduce(0.0) { $0 + t[$1 * d + i] * Double(w.down[$1 * f + j]) }) }
                    bias[i] = Float(s * (0..<d).reduce(0.0) { $0 + t[$1 * d + i] * Double(w.downBias![$1]) })
                }
                w.down = down; w.downBias = bias
            } else {
                w.down = w.down.map { Float(Double($0) * s) }
                w.downBias = w.downBias!.map { Float(Double($0) * s) }
            }
            ref.layers[k] = w
        }
        try check(edit, equals: ref, tolerance: 1e-6)
    }

    /// Observers see a dropped layer as L_k = Y_k = L_{k-1}, M_k = 0; a dropped MLP as M_k = 0, L_k = Y_k.
    func testObserverStatesOfDroppedParts() throws {
        var edit = ModelEdit.identity(layerCount: 4)
        edit.layers[1] = .dropped
        edit.layers[2].mlp = false
        let model = try LlamaModel(source: weights())
        let recorder = LlamaModelBatchTests.Recorder()
        try model.forward(ForwardBatch(samples: Self.samples), edit: edit, observer: recorder)
        XCTAssertEqual(recorder.output.count, 4)
        XCTAssertEqual(recorder.input[1], recorder.output[1])
        XCTAssertEqual(recorder.attentionResidual[1], recorder.input[1])
        XCTAssertTrue(recorder.mlpOutput[1].allSatisfy { $0 == 0 })
        XCTAssertEqual(recorder.input[2], recorder.output[0], "layer 1 passes its input through")
        XCTAssertTrue(recorder.mlpOutput[2].allSatisfy { $0 == 0 })
        XCTAssertEqual(recorder.output[2], recorder.attentionResidual[2])
        XCTAssertNotEqual(recorder.attentionResidual[2], recorder.input[2], "layer 2's attention still runs")
    }

    /// `.lastTokens` rows of an edited layer equal the last rows of the full edited layer.
    func testLastTokensUnderAnEdit() throws {
        var edit = ModelEdit.identity(layerCount: 4)
        edit.layers[3].kvGroups = [0, 2]
        edit.layers[3].mlpChannels = Array(0..<20)
        let model = try LlamaModel(source: weights())
        let batch = ForwardBatch(samples: Self.samples)
        let full = LlamaModelBatchTests.Recorder(), last = LlamaModelBatchTests.Recorder()
        try model.forward(batch, edit: edit, observer: full)
        try model.forward(batch, edit: edit, observer: last, finalRows: .lastTokens)
        let d = Self.geometry.hiddenSize
        for (s, rows) in batch.sampleRows.enumerated() {
            let r = rows.upperBound - 1
            XCTAssertLessThan(relativeError(Array(last.output[3][(s * d)..<((s + 1) * d)]),
                                            Array(full.output[3][(r * d)..<((r + 1) * d)])), 1e-6)
        }
        edit.layers[3].attention = false
        try model.forward(batch, edit: edit, observer: full)
        try model.forward(batch, edit: edit, observer: last, finalRows: .lastTokens)
        let r = batch.sampleRows[0].upperBound - 1
        XCTAssertLessThan(relativeError(Array(last.output[3][0..<d]), Array(full.output[3][(r * d)..<((r + 1) * d)])), 1e-6)
    }

    func testEditsThatDoNotFitAreRefusedNamingTheField() throws {
        let model = try LlamaModel(source: weights())
        let batch = ForwardBatch(samples: Self.samples)
        func expect(_ edit: ModelEdit, _ field: String, _ reason: String, line: UInt = #line) {
            XCTAssertThrowsError(try model.forward(batch, edit: edit), line: line) {
                XCTAssertEqual($0 as? LlamaError, .invalidEdit(field: field, reason: reason), line: line)
            }
        }
        expect(.identity(layerCount: 3), "layers", "the edit is for 3 layers, the model has 4")
        expect(ModelEdit(layers: Array(repeating: .dropped, count: 4)), "layers", "every layer is dropped; at least one must remain")
        var e = ModelEdit.identity(layerCount: 4)
        e.layers[2].mlpChannels = [1, 40]
        expect(e, "layers[2].mlp_channels", "MLP channel 40 is out of range 0..<40")
        e.layers[2].mlpChannels = [3, 3]
        expect(e, "layers[2].mlp_channels", "must be ascending and distinct (3 then 3)")
        e.layers[2].mlpChannels = []
        expect(e, "layers[2].mlp_channels", "keeps no MLP channel; drop the sub-block instead")
        e.layers[2].mlpChannels = nil
        e.layers[1].kvGroups = [3]
        expect(e, "layers[1].kv_groups", "KV group 3 is out of range 0..<3")
        e.layers[1].kvGroups = nil
        e.layers[0].transform = [1, 2, 3]
        expect(e, "layers[0].transform", "has 3 values, expected 24×24 = 576 (hidden_size 24)")
        e.layers[0].transform = nil
        e.layers[0].residualScale = 0
        expect(e, "layers[0].residual_scale", "0.0 is not a positive finite number")
    }
}

/// Deterministic values in [-1, 1).
struct LCG {
    var state: UInt64
    init(seed: UInt64) { state = seed &* 6364136223846793005 &+ 1442695040888963407 }
    mutating func next() -> Double {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Double(state >> 11) / Double(1 << 53) * 2 - 1
    }
}
