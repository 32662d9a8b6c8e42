import XCTest
import Llama
import SafeTensors
@testable import Pruning

/// The edited model against PyTorch with the same edits done by hand (`scripts/make-edit-fixtures.py`: smaller
/// modules, zero sub-blocks, deleted layers, the fold in float64 rounded to bf16): attention-only and MLP-only
/// drops, half the MLP channels, KV groups, and a mixed plan with a block drop, a transform and a scale.
final class EditGoldenTests: XCTestCase {
    static let edits = ReferenceParityTests.fixtures.appendingPathComponent("edits")

    func testPlansMatchTheHandEditedPyTorchModel() throws {
        let source = try CheckpointWeights(directory: PlanTests.model)
        let tokens = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.edits.appendingPathComponent("tokens.json"))) as! [[Int]]
        let batch = ForwardBatch(samples: tokens.map { $0.map(Int32.init) })
        let goldens = try SafeTensorsFile(url: Self.edits.appendingPathComponent("logits.safetensors"))
        for residency in [LlamaModel.Residency.cached, .streaming] {
            let model = try LlamaModel(source: source, residency: residency)
            for name in ["dense", "attention", "mlp", "channels", "kv", "mixed"] {
                let edit = name == "dense" ? nil
                    : try PruningPlan.read(Self.edits.appendingPathComponent(name + ".json"), for: model.geometry).edit
                let sink = LogitsCollector(rows: batch.rows, vocabSize: model.geometry.vocabSize)
                try model.forward(batch, edit: edit, logits: sink)
                let want = try goldens.floats(name).map(Double.init)
                let error = relativeError(sink.logits.map(Double.init), want)
                print("edit golden \(name) (\(residency)): relative error \(error)")
                XCTAssertLessThan(error, 1e-5, "\(name) \(residency)")
            }
        }
    }
}
