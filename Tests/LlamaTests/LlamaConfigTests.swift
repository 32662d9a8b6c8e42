import JSON
import Foundation
import TestSupport
import XCTest
@testable import Llama
import SafeTensors

/// config.json as real checkpoints spell it (fixtures from scripts/make-foundation-fixtures.py).
final class LlamaConfigTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    private func config(_ name: String) throws -> LlamaConfig {
        try LlamaConfig.load(file: Self.fixtures.appendingPathComponent("configs/\(name)"))
    }

    func testSmolLM2() throws {
        let c = try config("smollm2.json")
        XCTAssertEqual(c.modelType, "llama")
        XCTAssertEqual([c.hiddenSize, c.intermediateSize, c.numHiddenLayers, c.numAttentionHeads, c.numKeyValueHeads, c.headDim, c.vocabSize],
                       [576, 1536, 30, 9, 3, 64, 49152])
        XCTAssertEqual(c.ropeTheta, 100000)
        XCTAssertEqual(c.rmsNormEps, 1e-5)
        XCTAssertTrue(c.tieWordEmbeddings)
        XCTAssertNil(c.ropeScaling)
        XCTAssertEqual(c.parameterCount, 134_515_008)
    }

    func testLlama3RopeScalingBothSpellings() throws {
        for name in ["llama3.json", "llama3.2-1b-hf4.json"] {  // transformers 5 rope_parameters; 4.x rope_scaling
            let c = try config(name)
            XCTAssertEqual(c.ropeTheta, 500000, name)
            XCTAssertEqual(c.ropeScaling, .init(type: "llama3", factor: 32, lowFreqFactor: 1, highFreqFactor: 4,
                                                originalMaxPositionEmbeddings: 8192), name)
            XCTAssertEqual(c.headDim, 64, name)
            XCTAssertTrue(c.tieWordEmbeddings, name)
        }
        XCTAssertEqual(try config("llama3.2-1b-hf4.json").parameterCount, 1_235_814_400)  // Llama-3.2-1B's published count
    }

    func testMistralTinyLlamaQwen2() throws {
        let m = try config("mistral.json")
        XCTAssertEqual([m.headDim, m.numKeyValueHeads], [128, 8])
        XCTAssertEqual(m.slidingWindow, 4096)
        XCTAssertFalse(m.qkvBias)
        let t = try config("tinyllama.json")
        XCTAssertEqual(t.headDim, 64, "derived as hidden_size / num_attention_heads")
        XCTAssertEqual(t.ropeTheta, 10000)
        for name in ["qwen2.json", "qwen2.5-0.5b-hf4.json"] {
            let q = try config(name)
            XCTAssertTrue(q.qkvBias, "qwen2 has q/k/v biases without saying so")
            XCTAssertFalse(q.outputBias)
            XCTAssertEqual(q.ropeTheta, 1_000_000)
            XCTAssertEqual(q.shape(of: .kProjBias), [128])
            XCTAssertNil(q.shape(of: .oProjBias))
        }
        XCTAssertEqual(try config("qwen2.5-0.5b-hf4.json").parameterCount, 494_032_768)  // Qwen2.5-0.5B's published count
        XCTAssertEqual(try config("qwen2.json").layerTypes?.count, 24)
    }

    func testMissingRequiredKeyNamesFileAndKey() throws {
        var o = try XCTUnwrap(try config("smollm2.json").raw)
        o["intermediate_size"] = nil
        let message = assertThrows(LlamaError.self, try LlamaConfig(object: o, source: "some/config.json")) {
            if case .missingConfigKey("some/config.json", "intermediate_size") = $0 { return true }; return false
        }
        XCTAssertTrue(message.contains("intermediate_size"), message)
    }

    func testBadValuesAreNamed() throws {
        let base = try config("smollm2.json").raw
        let cases: [(String, JSONValue)] = [("num_hidden_layers", .string("30")), ("hidden_size", .int(-1)),
                                            ("tie_word_embeddings", .int(1)), ("rms_norm_eps", .int(0))]
        for (key, value) in cases {
            var o = base
            o[key] = value
            assertThrows(LlamaError.self, try LlamaConfig(object: o, source: "c.json")) {
                if case .invalidConfigValue("c.json", key, _, _) = $0 { return true }; return false
            }
        }
        var o = base
        o["num_key_value_heads"] = .int(4)
        assertThrows(LlamaError.self, try LlamaConfig(object: o, source: "c.json")) {
            if case .inconsistentConfig = $0 { return true }; return false
        }
        o = base
        o["model_type"] = .string("gpt2")
        assertThrows(LlamaError.self, try LlamaConfig(object: o, source: "c.json")) {
            if case .unsupportedModelType("c.json", "gpt2", ["llama", "mistral", "qwen2", "nemotron-nas"]) = $0 { return true }; return false
        }
        assertThrows(LlamaError.self, try LlamaConfig(jsonBytes: Array("{\"a\":".utf8), source: "c.json")) {
            if case .invalidConfigJSON = $0 { return true }; return false
        }
    }

    func testRewriteKeepsUnknownKeysAndSlicesPerLayerLists() throws {
        let c = try config("qwen2.json")
        let kept = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 22, 23]  // drop 19, 20, 21
        let o = try c.rewrittenJSON(keepingLayers: kept, torchDtype: "bfloat16")
        XCTAssertEqual(o.keys, c.raw.keys, "no key added, removed or moved")
        XCTAssertEqual(o["num_hidden_layers"], .int(21))
        XCTAssertEqual(o["layer_types"]?.arrayValue?.count, 21)
        XCTAssertEqual(o["max_window_layers"], .int(19), "19 of the kept layers lie below the old max_window_layers 21")
        XCTAssertEqual(o["dtype"], .string("bfloat16"), "transformers-5 spelling kept")
        for key in c.raw.keys where !["num_hidden_layers", "layer_types", "max_window_layers", "dtype"].contains(key) {
            XCTAssertEqual(o[key], c.raw[key], key)
        }
        let reparsed = try LlamaConfig(jsonBytes: LlamaConfig.configFileBytes(o), source: "rewritten")
        XCTAssertEqual(reparsed.numHiddenLayers, 21)
    }

    func testRewriteOfOriginalSpellingIsByteStable() throws {
        let url = Self.fixtures.appendingPathComponent("configs/smollm2.json")
        let c = try LlamaConfig.load(file: url)
        XCTAssertEqual(LlamaConfig.configFileBytes(try c.rewrittenJSON()), Array(try Data(contentsOf: url)),
                       "unchanged config serialises to the same bytes (1e-05, is_llama_config, rope_interleaved kept)")
        let o = try c.rewrittenJSON(keepingLayers: Array(0..<25))
        let text = String(decoding: LlamaConfig.configFileBytes(o), as: UTF8.self)
        XCTAssertTrue(text.contains("\"num_hidden_layers\": 25,"))
        XCTAssertTrue(text.contains("\"is_llama_config\": true"))
        XCTAssertTrue(text.contains("\"rms_norm_eps\": 1e-05"))
        XCTAssertEqual(o["torch_dtype"], .string("bfloat16"))
    }

    func testRewriteRejectsBadSelections() throws {
        let c = try config("smollm2.json")
        for bad in [[], [3, 2], [0, 30], [-1, 2], [1, 1]] {
            assertThrows(LlamaError.self, try c.rewrittenJSON(keepingLayers: bad)) {
                if case .invalidLayerSelection = $0 { return true }; return false
            }
        }
    }

    /// `per_layer_config`, as `prune --method multipruner --format per-layer` writes it, and every way it can be wrong.
    func testPerLayerConfig() throws {
        let base = try String(contentsOf: Self.fixtures.appendingPathComponent("configs/smollm2.json"), encoding: .utf8)
        func parse(_ perLayer: String) throws -> LlamaConfig {
            let text = base.replacingOccurrences(of: "\"hidden_size\"", with: "\"per_layer_config\": \(perLayer), \"hidden_size\"")
            return try LlamaConfig(jsonBytes: Array(text.utf8), source: "config.json")
        }
        let c = try parse(#"{"3": {"skip": ["attention"]}, "7": {"intermediate_size": 1344, "num_attention_heads": 6, "num_key_value_heads": 2}}"#)
        XCTAssertEqual(c.perLayer[3], LayerOverride(skipAttention: true))
        XCTAssertEqual(c.perLayer[7], LayerOverride(intermediateSize: 1344, heads: 6, kvHeads: 2))
        XCTAssertFalse(c.layerShape(ofLayer: 3).hasAttention)
        XCTAssertEqual(c.layerShape(ofLayer: 7).shape(of: .kProj), [128, 576])
        XCTAssertEqual(c.layerShape(ofLayer: 7).shape(of: .downProj), [576, 1344])
        // Layer 3 stores no q/k/v/o and no input norm; layer 7 192 fewer channels and one KV group (3 heads) fewer.
        XCTAssertEqual(c.parameterCount, 134_515_008 - (884_736 + 576) - 3 * 576 * 192 - (2 * 576 * 192 + 2 * 576 * 64))
        for (json, message) in [
            (#"{"30": {}}"#, "per_layer_config.30"),
            (#"{"a": {}}"#, "a layer index in 0..<30"),
            (#"{"1": 5}"#, "an object"),
            (#"{"1": {"width": 5}}"#, "per_layer_config.1.width"),
            (#"{"1": {"intermediate_size": 4000}}"#, "intermediate_size"),
            (#"{"1": {"num_attention_heads": 6}}"#, "must be given together"),
            (#"{"1": {"num_attention_heads": 4, "num_key_value_heads": 2}}"#, "3 query heads per KV head"),
            (#"{"1": {"skip": ["norm"]}}"#, "\"attention\" or \"mlp\""),
            (#"{"1": {"skip": ["attention", "mlp"]}}"#, "skips both sub-blocks"),
        ] {
            XCTAssertThrowsError(try parse(json), json) { XCTAssertTrue("\($0)".contains(message), "\(json): \($0)") }
        }
    }
}
