import XCTest
import Llama
import SafeTensors
import TestSupport
@testable import Pruning

/// MultiPruner and BlockPruner against our PyTorch port (`scripts/make-multipruner-fixtures.py`, from
/// `scripts/multipruner_reference.py`) on the float32 tiny fixture: the same removals in the same order, the same
/// calibration perplexity after each (1e-5 relative) and removed fraction; then the outputs: the per-layer layout's
/// shapes and `per_layer_config`, and the padded layout read back as a stock checkpoint computing the edited model.
final class MultiPrunerTests: XCTestCase {
    static let fixtures = ReferenceParityTests.fixtures
    static let model = fixtures.appendingPathComponent("tiny-llama-8-f32")

    struct Step: Decodable { var stage: Int; var kind: String; var layer: Int; var perplexity: Double; var ratio: Double }
    struct State: Decodable { var attn: [Bool]; var mlp: [Bool]; var width: [Int]; var kv: [Int] }
    struct Case: Decodable {
        var variant: String; var ratio: Double; var distribution: [Double]; var mlp_group: Int; var kv_groups: Int
        var steps: [Step]; var state: State; var evaluations: Int
    }
    struct Golden: Decodable { var samples: Int; var seq_len: Int; var dense_perplexity: Double; var cases: [String: Case] }

    static func golden() throws -> Golden {
        try JSONDecoder().decode(Golden.self, from: Data(contentsOf: fixtures.appendingPathComponent("golden-multipruner.json")))
    }

    static func options(_ c: Case) -> MultiPrunerOptions {
        var o = MultiPrunerOptions(ratio: c.ratio)
        o.variant = MultiPrunerOptions.Variant(rawValue: c.variant)!
        let sum = c.distribution.reduce(0, +)
        o.distribution = c.distribution.map { $0 / sum }
        o.mlpGroup = c.mlp_group
        o.kvGroupsPerStep = c.kv_groups
        o.hashFiles = false
        return o
    }

    func testSearchMatchesThePortAndTheOutputsComputeTheEditedModel() throws {
        let golden = try Self.golden()
        XCTAssertEqual(golden.cases.count, 2)
        let pruner = try Pruner(checkpointDirectory: Self.model)
        let cal = try pruner.loadCalibration(files: [Self.fixtures.appendingPathComponent("calibration.jsonl")],
                                             samples: golden.samples, seqLen: golden.seq_len)
        let dir = try temporaryDirectory()
        for (name, c) in golden.cases.sorted(by: { $0.key < $1.key }) {
            let options = Self.options(c)
            let out = dir.appendingPathComponent(name)
            let report = try MultiPruner.run(pruner: pruner, calibration: cal, options: options, output: out, toolVersion: "test")
            XCTAssertEqual(report.densePerplexity, golden.dense_perplexity, accuracy: 1e-5 * golden.dense_perplexity, name)
            XCTAssertEqual(report.steps.count, c.steps.count, name)
            for (ours, theirs) in zip(report.steps, c.steps) {
                XCTAssertEqual([ours.kind, String(ours.layer), String(ours.stage)], [theirs.kind, String(theirs.layer), String(theirs.stage)], name)
                XCTAssertEqual(ours.perplexity, theirs.perplexity, accuracy: 1e-5 * theirs.perplexity, name)
                XCTAssertEqual(ours.ratio, theirs.ratio, accuracy: 1e-12, name)
            }
            XCTAssertEqual(report.evaluations, c.evaluations, name)
            XCTAssertEqual(report.layers.map(\.attention), c.state.attn, name)
            XCTAssertEqual(report.layers.map(\.mlp), c.state.mlp, name)
            XCTAssertEqual(report.layers.map(\.intermediateSize), c.state.width, name)
            XCTAssertEqual(report.layers.map(\.kvHeads), c.state.kv, name)

            // Per-layer layout: removed sub-blocks absent (norm included), narrower tensors, per_layer_config.
            let config = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("config.json"))) as! [String: Any]
            let perLayer = config["per_layer_config"] as? [String: [String: Any]] ?? [:]
            let file = try SafeTensorsFile(url: out.appendingPathComponent("model.safetensors"))
            for layer in report.layers {
                let k = try XCTUnwrap(layer.outputIndex, "\(name): no layer loses both sub-blocks here")
                let entry = perLayer[String(k)] ?? [:]
                XCTAssertEqual(file.info("model.layers.\(k).self_attn.o_proj.weight") != nil, layer.attention, name)
                XCTAssertEqual(file.info("model.layers.\(k).input_layernorm.weight") != nil, layer.attention, name)
                XCTAssertEqual(file.info("model.layers.\(k).mlp.down_proj.weight") != nil, layer.mlp, name)
                let skip = entry["skip"] as? [String] ?? []
                XCTAssertEqual(skip, (layer.attention ? [] : ["attention"]) + (layer.mlp ? [] : ["mlp"]), name)
                if layer.mlp {
                    XCTAssertEqual(file.info("model.layers.\(k).mlp.gate_proj.weight")?.shape, [layer.intermediateSize, 32], name)
                    XCTAssertEqual(entry["intermediate_size"] as? Int, layer.intermediateSize == 64 ? nil : layer.intermediateSize, name)
                }
                if layer.attention {
                    XCTAssertEqual(file.info("model.layers.\(k).self_attn.k_proj.weight")?.shape, [layer.kvHeads * 8, 32], name)
                    XCTAssertEqual(file.info("model.layers.\(k).self_attn.q_proj.weight")?.shape, [layer.heads * 8, 32], name)
                    XCTAssertEqual(entry["num_key_value_heads"] as? Int, layer.kvHeads == 2 ? nil : layer.kvHeads, name)
                }
            }
            XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent(MultiPruner.pruningConfigFileName).path))
            let last = try XCTUnwrap(report.steps.last).perplexity
            // Read back (narrow layers widened with zeros): the edited model's perplexity; not pruned again.
            let readBack = try Pruner(checkpointDirectory: out)
            XCTAssertTrue(readBack.checkpoint.config.isHeterogeneous)
            // Stored: MultiPruner's count less the norm of each skipped sub-block (left out of the file).
            let skipped = report.layers.reduce(0) { $0 + ($1.attention ? 0 : 1) + ($1.mlp ? 0 : 1) }
            XCTAssertEqual(readBack.checkpoint.parameterCount, report.parametersAfter - 32 * skipped, name)
            let back = try PerplexityEvaluator(model: readBack.model, seqLen: golden.seq_len, bos: nil)
                .evaluate(tokens: cal.windows.flatMap { $0.map { Int32($0) } }).perplexity
            XCTAssertEqual(back, last, accuracy: 1e-5 * last, name)
            XCTAssertThrowsError(try MultiPruner.validate(options, pruner: readBack, output: dir.appendingPathComponent("again"))) {
                XCTAssertEqual($0 as? PruningError, .heterogeneousInput(path: out.path))
            }

            // Padded layout: a stock checkpoint whose perplexity is the edited model's (the last step's).
            // (Written from the state the search reached, as `run` would with --format padded.)
            var state = SubBlockState(geometry: pruner.model.geometry)
            state.attention = c.state.attn; state.mlp = c.state.mlp; state.mlpWidth = c.state.width; state.kvGroups = c.state.kv
            let edit = state.edit(importance: try ChannelImportance.compute(source: pruner.weights), geometry: pruner.model.geometry)
            let paddedOut = dir.appendingPathComponent(name + "-padded")
            try PrunedCheckpointWriter.write(checkpoint: pruner.checkpoint, edit: edit, output: paddedOut, force: false,
                                             hashing: false, layout: .padded)
            let stock = try Pruner(checkpointDirectory: paddedOut)
            let evaluator = PerplexityEvaluator(model: stock.model, seqLen: golden.seq_len, bos: nil)
            let p = try evaluator.evaluate(tokens: cal.windows.flatMap { $0.map { Int32($0) } }).perplexity
            XCTAssertEqual(p, last, accuracy: 1e-5 * last, name)
        }
    }

    func testParameterCountIsTheConfigsAndMultiPrunersFormula() throws {
        let pruner = try Pruner(checkpointDirectory: Self.model)
        let count = MultiPruner.parameterCount(pruner)
        let g = pruner.model.geometry
        var s = SubBlockState(geometry: g)
        XCTAssertEqual(count.parameters(s), 256 * 32 + 32 + 8 * (2 * 32 + (32 * 32 * 2 + 2 * 32 * 16) + 3 * 32 * 64))
        s = s.applying(.attention(layer: 3)).applying(.mlp(layer: 3)).applying(.kvGroups(layer: 1, groups: 1))
            .applying(.mlpChannels(layer: 2, channels: 8))
        // Layer 3's norms still count; layer 1 keeps one group: w = 16 query channels, 8 K/V channels.
        let dense = 256 * 32 + 32 + 8 * (64 + 3072 + 6144)
        let expected = dense - (3072 + 6144) - (3072 - (2 * 32 * 16 + 2 * 32 * 8)) - 3 * 32 * 8
        XCTAssertEqual(count.parameters(s), expected)
        XCTAssertEqual(count.removedFraction(s), 1 - Double(expected) / Double(dense), accuracy: 1e-15)
    }

    func testBadRequestsAreSpecificErrorsBeforeAnyWork() throws {
        XCTAssertThrowsError(try MultiPrunerOptions.parseDistribution("44:52")) {
            XCTAssertTrue("\($0)".contains("'44:52' is not three non-negative numbers"), "\($0)")
        }
        XCTAssertThrowsError(try MultiPrunerOptions.parseDistribution("0:0:0")) { XCTAssertTrue("\($0)".contains("sums to zero"), "\($0)") }
        XCTAssertThrowsError(try MultiPrunerOptions.parseDistribution("1:-1:1"))
        XCTAssertEqual(try MultiPrunerOptions.parseDistribution("1:1:2"), [0.25, 0.25, 0.5])
        let pruner = try Pruner(checkpointDirectory: Self.model)
        var o = MultiPrunerOptions(ratio: 0.2)
        o.mlpGroup = 10
        XCTAssertThrowsError(try MultiPruner.validate(o, pruner: pruner, output: nil)) {
            XCTAssertEqual($0 as? PruningError, .invalidOption(name: "mlp-group", reason: "10 does not divide intermediate_size 64 into two or more groups"))
        }
        o.mlpGroup = nil
        o.kvGroupsPerStep = 2
        XCTAssertThrowsError(try MultiPruner.validate(o, pruner: pruner, output: nil)) { XCTAssertTrue("\($0)".contains("--kv-groups"), "\($0)") }
        o.kvGroupsPerStep = 1
        o.ratio = 0.95
        XCTAssertThrowsError(try MultiPruner.validate(o, pruner: pruner, output: nil)) {
            XCTAssertTrue("\($0)".contains("--ratio 0.95 cannot be reached: at most 85.68%"), "\($0)")
        }
        // A ratio the width stages cannot reach after stage 1's share: found by the search, nothing written.
        let cal = try pruner.loadCalibration(files: [Self.fixtures.appendingPathComponent("calibration.jsonl")], samples: 1, seqLen: 8)
        o.ratio = 0.6
        o.distribution = [0.01, 0.99, 0]
        o.mlpGroup = 32
        let out = try temporaryDirectory().appendingPathComponent("never")
        XCTAssertThrowsError(try MultiPruner.run(pruner: pruner, calibration: cal, options: o, output: out, toolVersion: "test")) {
            XCTAssertTrue("\($0)".contains("ran out of candidates in stages 2, 3"), "\($0)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
    }
}
