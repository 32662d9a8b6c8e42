import XCTest
import Llama
import SafeTensors
@testable import Pruning

/// Plans on disk and the edited model against the written checkpoint, on the tiny 8-layer bf16 sharded fixture:
/// `apply` writes what `prune` writes, the plan evaluated in memory scores what the written checkpoint scores,
/// bad plan files are refused naming the field, and a failure before the install leaves nothing.
final class PlanTests: XCTestCase {
    static let fixtures = ReferenceParityTests.fixtures
    static let model = fixtures.appendingPathComponent("tiny-llama-8")

    func calibration(_ pruner: Pruner) throws -> CalibrationSet {
        try pruner.loadCalibration(files: [Self.fixtures.appendingPathComponent("calibration.jsonl")], samples: 8, seqLen: 32)
    }

    /// Mean NLL of the calibration windows through `model` under `edit`.
    func meanNLL(_ model: LlamaModel, edit: ModelEdit?, _ cal: CalibrationSet) throws -> Double {
        let evaluator = PerplexityEvaluator(model: model, edit: edit, seqLen: 32, bos: 1)
        return try evaluator.evaluate(tokens: cal.windows.flatMap { $0.map { Int32($0) } }).meanNLL
    }

    func testPruneSavePlanApplyAndPerplexityAgree() throws {
        let dir = try temporaryDirectory()
        for (spans, layers) in [(1, 2), (2, 4)] {
            let pruner = try Pruner(checkpointDirectory: Self.model)
            let cal = try calibration(pruner)
            var options = PruneOptions(layersToRemove: layers)
            options.spans = spans
            options.savePlan = dir.appendingPathComponent("plan-\(spans).json")
            let out = dir.appendingPathComponent("pruned-\(spans)")
            let report = try pruner.prune(calibration: cal, options: options, output: out, toolVersion: "t")
            XCTAssertEqual(report.plan, options.savePlan!.path)
            XCTAssertTrue(FileManager.default.fileExists(atPath: PruningPlan.transformsURL(for: options.savePlan!).path))

            let applied = dir.appendingPathComponent("applied-\(spans)")
            let applyReport = try PlanApplier.apply(checkpointDirectory: Self.model, plan: options.savePlan!, output: applied,
                                                    force: false, toolVersion: "t")
            XCTAssertEqual(applyReport.droppedLayers, report.spans.flatMap { Array($0.start...$0.end) })
            let a = try LlamaCheckpoint(directory: out), b = try LlamaCheckpoint(directory: applied)
            XCTAssertEqual(a.weights.tensorNames.sorted(), b.weights.tensorNames.sorted())
            for name in a.weights.tensorNames {
                XCTAssertEqual(try a.weights.withRawBytes(name) { Array($0) }, try b.weights.withRawBytes(name) { Array($0) },
                               "\(name): apply writes the bytes prune writes")
            }
            // Every output file of the report is there, with the digest it was written with.
            for f in report.outputFiles {
                XCTAssertEqual(try SHA256.hex(fileAt: out.appendingPathComponent(f.name)), f.sha256, f.name)
            }

            // The plan in memory on the dense checkpoint scores what the written checkpoint scores.
            let plan = try PruningPlan.read(options.savePlan!, for: pruner.model.geometry)
            let dense = try LlamaModel(source: CheckpointWeights(directory: Self.model))
            let written = try LlamaModel(source: CheckpointWeights(directory: out))
            let inMemory = try meanNLL(dense, edit: plan.edit, cal), onDisk = try meanNLL(written, edit: nil, cal)
            XCTAssertEqual(inMemory, onDisk, accuracy: 1e-9 * abs(onDisk), "spans \(spans)")
            XCTAssertNotEqual(inMemory, try meanNLL(dense, edit: nil, cal), "the plan changes the model")
        }
    }

    func testDryRunWritesThePlanOnly() throws {
        let dir = try temporaryDirectory()
        let pruner = try Pruner(checkpointDirectory: Self.model)
        var options = PruneOptions(layersToRemove: 2)
        options.savePlan = dir.appendingPathComponent("plan.json")
        let report = try pruner.prune(calibration: try calibration(pruner), options: options, output: nil, toolVersion: "t")
        XCTAssertNil(report.output)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted(),
                       ["plan.json", "plan.transforms.safetensors"])
        let plan = try PruningPlan.read(options.savePlan!, for: pruner.model.geometry)
        XCTAssertEqual(plan.edit.droppedLayers, Array(report.spans[0].start...report.spans[0].end))
        XCTAssertEqual(plan.method, "replaceme")
        XCTAssertNotNil(plan.edit.layers[report.spans[0].start - 1].transform)
    }

    func testEveryKindOfEditRoundTrips() throws {
        let dir = try temporaryDirectory()
        let g = try LlamaGeometry(config: LlamaCheckpoint(directory: Self.model).config)
        var edit = ModelEdit.identity(layerCount: 8)
        edit.layers[2] = .dropped
        edit.layers[3].attention = false
        edit.layers[4].mlp = false
        edit.layers[5].mlpChannels = [0, 5, 63]
        edit.layers[6].kvGroups = [1]
        var t = [Double](repeating: 0, count: 32 * 32)
        for i in t.indices { t[i] = (i % 33 == 0 ? 1.0 : 0.0) + Double(i) * 1e-5 }
        edit.layers[1].transform = t
        edit.layers[1].residualScale = 0.875
        let url = dir.appendingPathComponent("all.json")
        try PruningPlan(edit: edit, method: "test", geometry: g).write(to: url)
        let back = try PruningPlan.read(url, for: g)
        XCTAssertEqual(back.edit, edit)
        XCTAssertEqual(back.method, "test")
        // A uniform checkpoint cannot hold it: apply refuses before writing, naming the layer.
        XCTAssertThrowsError(try PlanApplier.apply(checkpointDirectory: Self.model, plan: url, output: dir.appendingPathComponent("o"),
                                                   force: false, toolVersion: "t")) {
            XCTAssertEqual($0 as? PruningError, .planNotWritable(layer: 3, reason: "drops only its attention sub-block"))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("o").path))
    }

    func testBadPlanFilesNameTheField() throws {
        let dir = try temporaryDirectory()
        let g = try LlamaGeometry(config: LlamaCheckpoint(directory: Self.model).config)
        let model = #""model": {"num_hidden_layers": 8, "hidden_size": 32, "intermediate_size": 64, "num_attention_heads": 4, "num_key_value_heads": 2}"#
        func expect(_ text: String, _ field: String, _ reason: String, line: UInt = #line) throws {
            let url = dir.appendingPathComponent("bad.json")
            try Data(text.utf8).write(to: url)
            XCTAssertThrowsError(try PruningPlan.read(url, for: g), line: line) {
                XCTAssertEqual($0 as? PruningError, .invalidPlan(file: url.path, field: field, reason: reason), line: line)
            }
        }
        let head = #"{"format": "replaceme-plan", "version": 1, "#
        try expect("[1]", "(file)", "must be a JSON object, found an array")
        try expect("{", "(file)", "not valid JSON: expected a string key at byte 1")
        try expect(#"{"format": "other", "version": 1}"#, "format", #"must be "replaceme-plan", found "other""#)
        try expect(#"{"format": "replaceme-plan", "version": 2}"#, "version", "2 is not a plan version this build reads (it reads version 1)")
        try expect(head + #""model": {"num_hidden_layers": 30, "hidden_size": 32, "intermediate_size": 64, "num_attention_heads": 4, "num_key_value_heads": 2}, "layers": []}"#,
                   "model.num_hidden_layers", "the plan is for 30, the checkpoint has 8")
        try expect(head + model + #", "layers": [{"layer": 8, "drop": "block"}]}"#, "layers[0].layer", "8 is out of range 0..<8")
        try expect(head + model + #", "layers": [{"layer": 1, "drop": "block"}, {"layer": 1, "drop": "mlp"}]}"#,
                   "layers[1].layer", "layer 1 appears twice")
        try expect(head + model + #", "layers": [{"layer": 1, "drop": "head"}]}"#, "layers[0].drop",
                   #"must be "block", "attention" or "mlp", found "head""#)
        try expect(head + model + #", "layers": [{"layer": 1, "dropp": "block"}]}"#, "layers[0].dropp",
                   "unknown key (known: layer, drop, transform, mlp_channels, kv_groups, residual_scale)")
        try expect(head + model + #", "layers": [{"layer": 1, "mlp_channels": [0, 64]}]}"#, "layers[1].mlp_channels",
                   "MLP channel 64 is out of range 0..<64")
        try expect(head + model + #", "layers": [{"layer": 1, "transform": "layers.1.transform"}]}"#, "transforms",
                   "layers name transforms, but the plan names no transforms file")
        // A transform of the wrong size in the transforms file.
        let t = dir.appendingPathComponent("t.safetensors")
        try SafeTensorsWriter.write([.bytes("layers.1.transform", dtype: .f64, shape: [4, 4], [UInt8](repeating: 0, count: 128))], to: t)
        try expect(head + model + #", "transforms": "t.safetensors", "layers": [{"layer": 1, "transform": "layers.1.transform"}]}"#,
                   "layers[0].transform", "tensor 'layers.1.transform' is F64 [4, 4], expected F64 [32, 32] (hidden_size 32)")
        try expect(head + model + #", "transforms": "t.safetensors", "layers": [{"layer": 1, "transform": "T.0"}]}"#,
                   "layers[0].transform", "tensor 'T.0' is not in \(t.path)")
        let missing = dir.appendingPathComponent("none.json")
        XCTAssertThrowsError(try PruningPlan.read(missing, for: g)) {
            XCTAssertEqual($0 as? PruningError, .invalidPlan(file: missing.path, field: "(file)", reason: "does not exist"))
        }
    }

    /// A failure after the checkpoint and its report are written, before the rename, publishes nothing and
    /// leaves no temporary.
    func testFailureBeforeInstallLeavesNoOutput() throws {
        let dir = try temporaryDirectory()
        let pruner = try Pruner(checkpointDirectory: Self.model)
        var options = PruneOptions(layersToRemove: 2)
        options.forcedStart = 3
        setenv(CheckpointWriter.faultInjectionVariable, "1", 1)
        defer { unsetenv(CheckpointWriter.faultInjectionVariable) }
        let out = dir.appendingPathComponent("pruned")
        XCTAssertThrowsError(try pruner.prune(calibration: try calibration(pruner), options: options, output: out, toolVersion: "t")) {
            guard case SafeTensorsError.writeFailed(_, let reason)? = $0 as? SafeTensorsError else { return XCTFail("\($0)") }
            XCTAssertTrue(reason.contains("fault injected"), reason)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), [], "no output, no temporary")
    }
}
