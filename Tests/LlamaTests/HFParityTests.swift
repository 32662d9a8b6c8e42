import Foundation
import SafeTensors
import XCTest
@testable import Llama

/// Per-layer hidden states and logits against Hugging Face transformers (fp32) on the tiny fixtures written by
/// `scripts/make-llama-fixtures.py` (golden tensors documented there). All prompts run as ONE batch here, so
/// this also checks that batching samples of different lengths changes nothing.
final class HFParityTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let tolerance = 1e-5

    final class Recorder: LayerObserver {
        var layers: [(input: [Float], y: [Float], m: [Float], out: [Float])] = []
        func observe(_ s: LayerStates) throws {
            let n = s.rows * s.hiddenSize
            func copy(_ p: UnsafePointer<Float>) -> [Float] { Array(UnsafeBufferPointer(start: p, count: n)) }
            layers.append((copy(s.input), copy(s.attentionResidual), copy(s.mlpOutput), copy(s.output)))
        }
    }

    func checkFixture(_ name: String, residency: LlamaModel.Residency) throws {
        let dir = Self.fixtures.appendingPathComponent(name)
        let golden = try SafeTensorsFile(url: dir.appendingPathComponent("golden.safetensors"))
        let model = try LlamaModel(source: try CheckpointWeights(directory: dir), residency: residency)
        let g = model.geometry, d = g.hiddenSize, v = g.vocabSize, layers = g.layerCount

        var prompts: [[Int32]] = []
        var p = 0
        while golden.info("prompt.\(p).input_ids") != nil {
            prompts.append(try golden.rawBytes("prompt.\(p).input_ids").withUnsafeBytes { Array($0.bindMemory(to: Int32.self)) })
            p += 1
        }
        XCTAssertEqual(prompts.count, 3)
        let batch = ForwardBatch(samples: prompts)
        let recorder = Recorder()
        let logits = LogitsCollector(rows: batch.rows, vocabSize: v)
        try model.forward(batch, observer: recorder, logits: logits)
        XCTAssertEqual(recorder.layers.count, layers)

        var worst = 0.0
        func expect(_ ours: [Float], _ ref: [Float], _ what: String) {
            let e = relativeError(ours, ref)
            worst = max(worst, e)
            XCTAssertLessThan(e, Self.tolerance, "\(name) \(what): relative error \(e)")
        }
        for (s, rows) in batch.sampleRows.enumerated() {
            let t = rows.count
            let slab = t * d
            func rowsOf(_ m: [Float]) -> [Float] { Array(m[(rows.lowerBound * d)..<(rows.upperBound * d)]) }
            let hs = try golden.floats("prompt.\(s).hidden_states")           // [L+1, T, D]
            let ys = try golden.floats("prompt.\(s).attn_residuals")          // [L, T, D]
            let ms = try golden.floats("prompt.\(s).mlp_outputs")             // [L, T, D]
            let ls = try golden.floats("prompt.\(s).layer_outputs")           // [L, T, D]
            for k in 0..<layers {
                let part = (k * slab)..<((k + 1) * slab)
                expect(rowsOf(recorder.layers[k].input), Array(hs[part]), "prompt \(s) L_\(k - 1) (hidden_states[\(k)])")
                expect(rowsOf(recorder.layers[k].y), Array(ys[part]), "prompt \(s) Y_\(k)")
                expect(rowsOf(recorder.layers[k].m), Array(ms[part]), "prompt \(s) M_\(k)")
                expect(rowsOf(recorder.layers[k].out), Array(ls[part]), "prompt \(s) L_\(k)")
            }
            var normed = [Float](repeating: 0, count: slab)
            rowsOf(recorder.layers[layers - 1].out).withUnsafeBufferPointer {
                model.applyFinalNorm(rows: t, x: $0.baseAddress!, y: &normed)
            }
            expect(normed, Array(hs[(layers * slab)..<((layers + 1) * slab)]), "prompt \(s) hidden_states[L] (final norm)")
            let ref = try golden.floats("prompt.\(s).logits")                 // [T, V]
            expect(Array(logits.logits[(rows.lowerBound * v)..<(rows.upperBound * v)]), ref, "prompt \(s) logits")
        }
        print("\(name) (\(residency)): worst relative error \(worst)")
    }

    func testTinyLlama() throws { try checkFixture("tiny-llama", residency: .cached) }
    func testTinyLlamaStreaming() throws { try checkFixture("tiny-llama", residency: .streaming) }
    func testExplicitHeadDimTiedAllBiases() throws { try checkFixture("tiny-llama-headdim-bias", residency: .streaming) }
    func testLlama3RopeScaling() throws { try checkFixture("tiny-llama3-rope", residency: .cached) }
    func testQwen2Biases() throws { try checkFixture("tiny-qwen2", residency: .cached) }
}
