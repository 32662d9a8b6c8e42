import XCTest
import Llama
import SafeTensors
import TestSupport
@testable import Pruning

/// `--iterative STEP [--targets edited|dense]` against our PyTorch port (`scripts/make-iterative-fixtures.py`:
/// each round on a real, shorter transformers model with the earlier T folded), on the float32 tiny fixture:
/// the layers of every round in order, the kept layer, distance and residual, and the pruned model's logits.
final class IterativeTests: XCTestCase {
    static let fixtures = ReferenceParityTests.fixtures
    static let model = fixtures.appendingPathComponent("tiny-llama-8-f32")

    struct RoundRecord: Decodable { var layers: [Int]; var kept: Int; var distance: Double; var relative_residual: Double }
    struct Case: Decodable { var n: Int; var step: Int; var targets: String; var rounds: [RoundRecord] }
    struct Golden: Decodable { var cases: [String: Case] }

    func testRoundsAndPrunedModelMatchThePort() throws {
        let golden = try JSONDecoder().decode(Golden.self, from: Data(contentsOf: Self.fixtures.appendingPathComponent("golden-iterative.json")))
        let file = try SafeTensorsFile(url: Self.fixtures.appendingPathComponent("golden-iterative.safetensors"))
        let pruner = try Pruner(checkpointDirectory: Self.model)
        let cal = try pruner.loadCalibration(files: [Self.fixtures.appendingPathComponent("calibration.jsonl")], samples: 4, seqLen: 32)
        let dir = try temporaryDirectory()
        XCTAssertEqual(golden.cases.count, 4)
        // The two targets must disagree somewhere, or the dense path is not exercised.
        XCTAssertNotEqual(golden.cases["n6-step2-dense"]?.rounds.map(\.relative_residual), golden.cases["n6-step2-edited"]?.rounds.map(\.relative_residual))
        // n6-step2: round 2 removes 6...7 after 4...5 went, so layer 3 absorbs a second T (chained onto the first).
        for name in ["n5-step1-dense", "n6-step2-dense", "n6-step2-edited"] {
            let c = try XCTUnwrap(golden.cases[name])
            var options = PruneOptions(layersToRemove: c.n)
            options.iterative = c.step
            options.targets = PruneOptions.Targets(rawValue: c.targets)!
            options.hashFiles = false
            options.savePlan = dir.appendingPathComponent("plan-\(name).json")
            let report = try pruner.prune(calibration: cal, options: options, output: nil, toolVersion: "test")
            XCTAssertEqual(report.options.iterative, c.step)
            XCTAssertEqual(report.spans.map { $0.layers ?? [] }, c.rounds.map(\.layers), name)
            XCTAssertEqual(report.spans.map(\.foldedInto), c.rounds.map(\.kept), name)
            XCTAssertEqual(report.spans.map(\.round), Array(1...c.rounds.count), name)
            for (ours, theirs) in zip(report.spans, c.rounds) {
                XCTAssertEqual(try XCTUnwrap(ours.distance), theirs.distance, accuracy: 1e-5, name)
                XCTAssertEqual(try XCTUnwrap(ours.fit?.relativeResidual), theirs.relative_residual, accuracy: 1e-5, name)
            }
            // The composed edit of the original model computes what the port's pruned model computes.
            let edit = try PruningPlan.read(options.savePlan!, for: pruner.model.geometry).edit
            XCTAssertEqual(edit.droppedLayers, c.rounds.flatMap(\.layers).sorted(), name)
            let batch = ForwardBatch(samples: cal.windows.prefix(2).map { $0.map { Int32($0) } })
            let logits = LogitsCollector(rows: batch.rows, vocabSize: 256)
            try pruner.model.forward(batch, edit: edit, logits: logits)
            let theirs = try CompensationTests.tensor(file, "logits.\(name)", as: Float.self).map(Double.init)
            XCTAssertLessThan(relativeError(logits.logits.map(Double.init), theirs), 1e-5, name)
        }
    }

    /// A round's edit composes onto the original: running the shorter model (`EditedWeights`) under the next edit
    /// equals running the original under the composed one.
    func testComposedEditEqualsRunningTheShorterModel() throws {
        let g = LlamaGeometry(hiddenSize: 16, intermediateSize: 24, layerCount: 6, heads: 4, kvHeads: 2, headDim: 4,
                              vocabSize: 32, rmsNormEps: 1e-5, ropeTheta: 10_000, maxPositions: 64)
        let base = InMemoryWeights.random(geometry: g, seed: 3)
        var rng = SeededGenerator(seed: 9)
        func transform() -> [Double] {
            var t = [Double](repeating: 0, count: 256)
            for i in 0..<256 {
                let noise = Double.random(in: -0.1...0.1, using: &rng)
                t[i] = (i % 17 == 0 ? 1.0 : 0.0) + noise
            }
            return t
        }
        var first = try ModelEdit.removing(spans: [Span(start: 3, count: 1)], numLayers: 6, transforms: [2: transform()], scales: [2: 1.3])
        first.layers[5].transform = transform()
        let shorter = try EditedWeights(base: base, edit: first)
        XCTAssertEqual(shorter.keptLayers, [0, 1, 2, 4, 5])
        // Remove shorter layer 3 (original 4); T on shorter layer 2 (original 2, which has T already).
        let next = try ModelEdit.removing(spans: [Span(start: 3, count: 1)], numLayers: 5, transforms: [2: transform()], scales: [2: 0.8])
        let composed = try first.followed(by: next)
        XCTAssertEqual(composed.droppedLayers, [3, 4])
        let batch = ForwardBatch(samples: [[1, 5, 7, 30, 2, 9], [4, 4, 0, 12, 31, 3]])
        func run(_ model: LlamaModel, _ edit: ModelEdit) throws -> [Double] {
            let logits = LogitsCollector(rows: batch.rows, vocabSize: 32)
            try model.forward(batch, edit: edit, logits: logits)
            return logits.logits.map(Double.init)
        }
        let viaShorter = try run(LlamaModel(source: shorter), next)
        let viaComposed = try run(LlamaModel(source: base), composed)
        XCTAssertLessThan(relativeError(viaShorter, viaComposed), 1e-5)
        XCTAssertGreaterThan(relativeError(viaComposed, try run(LlamaModel(source: base), first)), 1e-3, "the second edit changes something")
    }
}
