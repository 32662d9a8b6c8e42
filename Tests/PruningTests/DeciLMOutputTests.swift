import XCTest
import GGUF
import JSON
import Llama
import SafeTensors
import TestSupport
@testable import Pruning

/// `--format decilm` and the `deci` GGUF export, on a widened copy of the tiny fixture (DeciLM's MLP widths are
/// multiples of 256, so the fixture's 64 channels become 512: the first 64 the fixture's, the rest random): the
/// DeciLM checkpoint read back computes the edited model; what DeciLM cannot express is refused by layer with
/// nothing written; the GGUF of a heterogeneous checkpoint has llama.cpp's per-layer arrays, each layer's tensors
/// at its own widths, q/k rows permuted with the layer's own head counts, and a zero MLP where llama.cpp needs one.
final class DeciLMOutputTests: XCTestCase {
    static let fixture = ReferenceParityTests.fixtures.appendingPathComponent("tiny-llama-8-f32")
    static let width = 512

    /// The fixture with `width` MLP channels (config.json's intermediate_size too), written to `dir`.
    static func widened(_ dir: URL) throws -> URL {
        let source = try LlamaCheckpoint(directory: fixture)
        var rng = SeededGenerator(seed: 7)
        var tensors: [TensorWriteSource] = []
        for name in source.weights.tensorNames.sorted() {
            let info = try source.weights.tensorInfo(name)
            let values = try source.weights.floats(name)
            guard let part = WeightName.parsePart(name)?.part, [.gateProj, .upProj, .downProj].contains(part) else {
                tensors.append(.floats(name, shape: info.shape, dtype: .f32) { values })
                continue
            }
            let added = width - 64
            var extra = [Float](repeating: 0, count: added * 32)
            for i in extra.indices { extra[i] = (Float(rng.next() >> 40) / Float(1 << 24) - 0.5) * 0.4 }
            if part == .downProj {   // [32, 64] → [32, width]: each row gains width − 64 columns
                var rows: [Float] = []
                for r in 0..<32 { rows += values[r * 64..<(r + 1) * 64]; rows += extra[r * added..<(r + 1) * added] }
                tensors.append(.floats(name, shape: [32, width], dtype: .f32) { rows })
            } else {                 // [64, 32] → [width, 32]
                tensors.append(.floats(name, shape: [width, 32], dtype: .f32) { values + extra })
            }
        }
        let out = dir.appendingPathComponent("wide")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        try SafeTensorsWriter.write(tensors, to: out.appendingPathComponent("model.safetensors"))
        var config = source.config.raw
        config["intermediate_size"] = .int(width)
        try Data(LlamaConfig.configFileBytes(config)).write(to: out.appendingPathComponent("config.json"))
        for f in ["generation_config.json", "tokenizer_config.json"] {
            try FileManager.default.copyItem(at: fixture.appendingPathComponent(f), to: out.appendingPathComponent(f))
        }
        // A byte-level BPE vocabulary of the same 256 ids (the GGUF export carries one).
        let tokenizer = ReferenceParityTests.fixtures.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("LlamaTests/Fixtures/tiny-llama/tokenizer.json")
        try FileManager.default.copyItem(at: tokenizer, to: out.appendingPathComponent("tokenizer.json"))
        return out
    }

    /// Layer 1 without attention, layer 3 without its MLP, layer 5 at 256 channels, layer 7 dropped, a transform on 0.
    static func edit() -> ModelEdit {
        var e = ModelEdit.identity(layerCount: 8)
        e.layers[1].attention = false
        e.layers[3].mlp = false
        e.layers[5].mlpChannels = Array(stride(from: 1, to: 512, by: 2))
        e.layers[7] = .dropped
        var rng = SeededGenerator(seed: 3)
        var t = [Double](repeating: 0, count: 32 * 32)
        for i in t.indices { t[i] = (i % 33 == 0 ? 1 : 0) + Double(rng.next() % 1000) * 1e-5 }
        e.layers[0].transform = t
        return e
    }

    func tokens() throws -> [Int32] {
        (0..<64).map { Int32(($0 * 37 + 11) % 256) }
    }

    func testDeciLMCheckpointReadsBackAsTheEditedModel() throws {
        let dir = try temporaryDirectory()
        let wide = try Self.widened(dir)
        let checkpoint = try LlamaCheckpoint(directory: wide)
        let edit = Self.edit()
        let out = dir.appendingPathComponent("decilm")
        try PrunedCheckpointWriter.write(checkpoint: checkpoint, edit: edit, output: out, force: false, hashing: false, layout: .decilm)

        let raw = try JSONParser.parse(Array(try Data(contentsOf: out.appendingPathComponent("config.json")))).objectValue!
        XCTAssertEqual(raw["model_type"]?.stringValue, "nemotron-nas")
        XCTAssertEqual(raw["architectures"]?.arrayValue?.first?.stringValue, "DeciLMForCausalLM")
        XCTAssertNil(raw["per_layer_config"])
        let blocks = try XCTUnwrap(raw["block_configs"]?.arrayValue)
        XCTAssertEqual(blocks.count, 7)
        XCTAssertEqual(blocks[1]["attention"]?["no_op"]?.boolValue, true)
        XCTAssertEqual(blocks[1]["attention"]?["n_heads_in_group"]?.isNull, true)
        XCTAssertEqual(blocks[0]["attention"]?["n_heads_in_group"]?.intValue, 2)
        XCTAssertEqual(blocks[3]["ffn"]?["no_op"]?.boolValue, true)
        // ffn_mult = 1.5·w/hidden; DeciLM's width formula gives w back.
        XCTAssertEqual(blocks[5]["ffn"]?["ffn_mult"]?.doubleValue, 12.0)
        XCTAssertEqual(blocks[0]["ffn"]?["ffn_mult"]?.doubleValue, 24.0)
        XCTAssertEqual(DeciLM.intermediateSize(ffnMult: 24, hidden: 32), 512)

        // Read back: the overrides, the files' shapes, and the edited model's perplexity.
        let back = try LlamaCheckpoint(directory: out)
        XCTAssertEqual(back.config.intermediateSize, 512)
        XCTAssertEqual(back.config.perLayer[1], LayerOverride(skipAttention: true))
        XCTAssertEqual(back.config.perLayer[3], LayerOverride(skipMLP: true))
        XCTAssertEqual(back.config.perLayer[5], LayerOverride(intermediateSize: 256))
        XCTAssertEqual(back.config.perLayer.count, 3)
        XCTAssertNil(back.weights.info("model.layers.1.input_layernorm.weight"))
        XCTAssertNil(back.weights.info("model.layers.3.post_attention_layernorm.weight"))
        XCTAssertEqual(back.weights.info("model.layers.5.mlp.up_proj.weight")?.shape, [256, 32])
        let dense = try LlamaModel(source: CheckpointWeights(directory: wide))
        let written = try LlamaModel(source: CheckpointWeights(directory: out))
        let t = try tokens()
        let inMemory = try PerplexityEvaluator(model: dense, edit: edit, seqLen: 32, bos: 1).evaluate(tokens: t).meanNLL
        let onDisk = try PerplexityEvaluator(model: written, seqLen: 32, bos: 1).evaluate(tokens: t).meanNLL
        XCTAssertEqual(onDisk, inMemory, accuracy: 1e-6 * abs(inMemory))
        XCTAssertNotEqual(inMemory, try PerplexityEvaluator(model: dense, seqLen: 32, bos: 1).evaluate(tokens: t).meanNLL)
    }

    func testWhatDeciLMCannotExpressIsRefusedByLayerWithNothingWritten() throws {
        let dir = try temporaryDirectory()
        let wide = try LlamaCheckpoint(directory: try Self.widened(dir))
        let narrow = try LlamaCheckpoint(directory: Self.fixture)
        let out = dir.appendingPathComponent("never")
        func refuse(_ c: LlamaCheckpoint, _ edit: ModelEdit, _ expected: PruningError) {
            XCTAssertThrowsError(try PrunedCheckpointWriter.write(checkpoint: c, edit: edit, output: out, force: false, layout: .decilm)) {
                XCTAssertEqual($0 as? PruningError, expected)
            }
            XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
        }
        var e = ModelEdit.identity(layerCount: 8)
        e.layers[4].kvGroups = [1]
        refuse(wide, e, .formatCannotExpress(format: "decilm", layer: 4, reason: "keeps 2 of 4 query heads, and DeciLM keeps "
            + "num_attention_heads query heads in every attention layer (only the KV heads vary)"))
        e = ModelEdit.identity(layerCount: 8)
        e.layers[6].mlpChannels = Array(0..<320)
        refuse(wide, e, .formatCannotExpress(format: "decilm", layer: 6, reason: "has 320 MLP channels, and DeciLM's MLP widths (ffn_mult) are multiples of 256"))
        // The fixture's own 64 channels: no layer is expressible.
        refuse(narrow, .identity(layerCount: 8), .formatCannotExpress(format: "decilm", layer: 0,
            reason: "has 64 MLP channels, and DeciLM's MLP widths (ffn_mult) are multiples of 256"))
        // Before the search: a KV stage, a channel group that is not a multiple of 256.
        let pruner = try Pruner(checkpointDirectory: wide.directory)
        var o = MultiPrunerOptions(ratio: 0.1)
        o.format = .decilm
        XCTAssertThrowsError(try MultiPruner.validate(o, pruner: pruner, output: out)) { XCTAssertTrue("\($0)".contains("give stage 3 no share"), "\($0)") }
        o.distribution = [0.5, 0.5, 0]
        o.mlpGroup = 128
        XCTAssertThrowsError(try MultiPruner.validate(o, pruner: pruner, output: out)) { XCTAssertTrue("\($0)".contains("--mlp-group a multiple of 256"), "\($0)") }
        o.mlpGroup = 256
        XCTAssertNoThrow(try MultiPruner.validate(o, pruner: pruner, output: out))
    }

    func testBadBlockConfigsAreRefusedByField() throws {
        let base = #"{"model_type": "nemotron-nas", "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 256, "rms_norm_eps": 1e-5, "block_configs": "#
        let ok = #"{"attention": {"no_op": false, "replace_with_linear": false, "n_heads_in_group": 2}, "ffn": {"no_op": false, "replace_with_linear": false, "ffn_mult": 24.0}}"#
        func config(_ blocks: String) throws -> LlamaConfig { try LlamaConfig(jsonBytes: Array((base + blocks + "}").utf8), source: "c.json") }
        let good = try config("[\(ok), \(ok)]")
        XCTAssertEqual(good.intermediateSize, 512, "the widest block when intermediate_size is absent")
        XCTAssertFalse(good.isHeterogeneous)
        func expect(_ blocks: String, _ text: String) {
            XCTAssertThrowsError(try config(blocks)) { XCTAssertTrue("\($0)".contains(text), "\($0)") }
        }
        expect("[\(ok)]", "block_configs has 1 entries but num_hidden_layers is 2")
        expect("[\(ok), \(ok.replacingOccurrences(of: "\"replace_with_linear\": false, \"n_heads_in_group\"", with: "\"replace_with_linear\": true, \"n_heads_in_group\""))]",
               "block_configs[1].attention.replace_with_linear")
        expect("[\(ok), \(ok.replacingOccurrences(of: "\"n_heads_in_group\": 2", with: "\"n_heads_in_group\": 4"))]", "block_configs[1].attention.n_heads_in_group")
        expect("[\(ok), {\"attention\": {\"no_op\": true}, \"ffn\": {\"no_op\": true}}]", "block_configs[1] makes both sub-blocks no-ops")
        expect("[\(ok), {\"attention\": {\"no_op\": false}, \"ffn\": {\"no_op\": false, \"ffn_mult\": 24.0}}]", "block_configs[1].attention.n_heads_in_group")
        expect("[\(ok), 3]", "block_configs[1].attention")
    }

    func testDeciGGUFHasPerLayerArraysWidthsAndAZeroMLPForAttentionOnlyLayers() throws {
        let dir = try temporaryDirectory()
        let wide = try LlamaCheckpoint(directory: try Self.widened(dir))
        var edit = Self.edit()
        edit.layers[6].kvGroups = [0]   // per-layer heads: a layout DeciLM's config cannot hold but the GGUF can
        let perLayer = dir.appendingPathComponent("per-layer")
        try PrunedCheckpointWriter.write(checkpoint: wide, edit: edit, output: perLayer, force: false, hashing: false, layout: .perLayer)
        let checkpoint = try LlamaCheckpoint(directory: perLayer)
        let export = try GGUFExport(checkpoint: checkpoint)
        XCTAssertEqual(export.architecture, "deci")
        let url = dir.appendingPathComponent("m.gguf")
        try export.write(to: url, type: .f32, replace: false)
        let file = try GGUFFile(url: url)
        func ints(_ key: String) -> [Int]? { try? file.ints(key) }
        XCTAssertEqual(file.metadata["general.architecture"]?.stringValue, "deci")
        XCTAssertEqual(ints("deci.attention.head_count"), [4, 0, 4, 4, 4, 4, 2])
        XCTAssertEqual(ints("deci.attention.head_count_kv"), [2, 0, 2, 2, 2, 2, 1])
        XCTAssertEqual(ints("deci.feed_forward_length"), [512, 512, 512, GGUFExport.zeroMLPWidth, 512, 256, 512])
        XCTAssertFalse(file.contains("blk.1.attn_q.weight"))
        XCTAssertFalse(file.contains("blk.1.attn_norm.weight"))
        XCTAssertEqual(try file.tensor("blk.5.ffn_up.weight").dims, [32, 256])
        XCTAssertEqual(try file.tensor("blk.6.attn_q.weight").dims, [32, 16])
        // The stand-in MLP of layer 3: norm one, projections zero.
        XCTAssertEqual(try file.floats("blk.3.ffn_norm.weight"), [Float](repeating: 1, count: 32))
        for n in ["ffn_gate", "ffn_up", "ffn_down"] {
            let w = try file.floats("blk.3.\(n).weight")
            XCTAssertEqual(w.count, 32 * GGUFExport.zeroMLPWidth, n)
            XCTAssertTrue(w.allSatisfy { $0 == 0 }, n)
        }
        // q and k rows permuted with layer 6's own head counts (2 query heads, 1 KV head).
        for (n, hf, heads) in [("attn_q", "q_proj", 2), ("attn_k", "k_proj", 1)] {
            var expected = try checkpoint.weights.floats("model.layers.6.self_attn.\(hf).weight")
            GGUFModelImport.permuteRows(&expected, rows: heads * 8, cols: 32, heads: heads)
            XCTAssertEqual(try file.floats("blk.6.\(n).weight"), expected, n)
        }
        // Layer 0 without attention: refused (llama.cpp reads the head size from layer 0).
        var first = ModelEdit.identity(layerCount: 8)
        first.layers[0].attention = false
        let noFirst = dir.appendingPathComponent("no-first")
        try PrunedCheckpointWriter.write(checkpoint: wide, edit: first, output: noFirst, force: false, hashing: false, layout: .perLayer)
        XCTAssertThrowsError(try GGUFExport(checkpoint: try LlamaCheckpoint(directory: noFirst))) {
            XCTAssertTrue("\($0)".contains("layer 0 skips attention"), "\($0)")
        }
    }
}
