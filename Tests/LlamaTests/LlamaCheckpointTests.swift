import JSON
import Foundation
import TestSupport
import XCTest
@testable import Llama
import SafeTensors

/// Opening checkpoints: config and tensors checked against each other, errors naming the tensor.
final class LlamaCheckpointTests: XCTestCase {
    static let tiny = LlamaConfigTests.fixtures.appendingPathComponent("tiny-llama-sharded")

    /// A writable copy of the tiny transformers-saved checkpoint.
    private func tinyCopy() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("replaceme-llama-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: Self.tiny, to: dir)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }

    private func editConfig(_ dir: URL, _ edit: (inout JSONObject) -> Void) throws {
        var o = try LlamaConfig.load(directory: dir).raw
        edit(&o)
        try Data(LlamaConfig.configFileBytes(o)).write(to: dir.appendingPathComponent("config.json"))
    }

    func testTinyTransformersCheckpointOpens() throws {
        let ckpt = try LlamaCheckpoint(directory: Self.tiny)
        XCTAssertEqual(ckpt.weights.files.count, 4)
        XCTAssertFalse(ckpt.isTied)
        XCTAssertEqual(ckpt.outputProjectionName, WeightName.lmHead)
        XCTAssertEqual(ckpt.parameterCount, 10224, "transformers' index says total_parameters 10224")
        XCTAssertEqual(ckpt.config.parameterCount, 10224)
        XCTAssertEqual(try ckpt.floats(WeightName.layer(2, .downProj)).count, 16 * 40)
        XCTAssertEqual(WeightName.stateDictOrder(ckpt.weights.tensorNames).map { $0 },
                       ckpt.config.expectedTensors().map(\.name))
    }

    func testConfigTensorShapeDisagreementNamesTheTensor() throws {
        let dir = try tinyCopy()
        try editConfig(dir) { $0["intermediate_size"] = .int(48) }
        let message = assertThrows(LlamaError.self, try LlamaCheckpoint(directory: dir)) {
            if case .shapeMismatch(let t, let f, [48, 16], [40, 16], _) = $0 {
                return t == "model.layers.0.mlp.gate_proj.weight" && f.hasSuffix(".safetensors")
            }
            return false
        }
        XCTAssertTrue(message.contains("intermediate_size 48"), message)
    }

    func testHeadDimDisagreement() throws {
        let dir = try tinyCopy()
        try editConfig(dir) { $0["num_key_value_heads"] = .int(4) }
        assertThrows(LlamaError.self, try LlamaCheckpoint(directory: dir)) {
            if case .shapeMismatch("model.layers.0.self_attn.k_proj.weight", _, [16, 16], [8, 16], _) = $0 { return true }; return false
        }
    }

    func testMissingAndUnexpectedTensors() throws {
        let dir = try tinyCopy()
        // More layers than the files hold: refused from the names alone, before anything is sized by the count.
        try editConfig(dir) { $0["num_hidden_layers"] = .int(4) }
        assertThrows(LlamaError.self, try LlamaCheckpoint(directory: dir)) {
            if case .missingTensor("model.layers.3.input_layernorm.weight", _, let hint) = $0 { return hint.contains("layers 0..<3 only") }
            return false
        }
        try editConfig(dir) { $0["num_hidden_layers"] = .int(2) }
        assertThrows(LlamaError.self, try LlamaCheckpoint(directory: dir)) {
            if case .unexpectedTensor(let t, _, let reason) = $0 { return t.hasPrefix("model.layers.2.") && reason.contains("num_hidden_layers") }
            return false
        }
        try editConfig(dir) { $0["num_hidden_layers"] = .int(3); $0["mlp_bias"] = .bool(true) }
        assertThrows(LlamaError.self, try LlamaCheckpoint(directory: dir)) {
            if case .missingTensor("model.layers.0.mlp.gate_proj.bias", _, "mlp_bias is true") = $0 { return true }; return false
        }
        try editConfig(dir) { $0["num_hidden_layers"] = .int(1_000_000_000_000) }
        assertThrows(LlamaError.self, try LlamaCheckpoint(directory: dir)) {
            if case .invalidConfigValue(_, "num_hidden_layers", let expected, _) = $0 { return expected.contains("at most 65536") }
            return false
        }
    }

    func testConfigMissingRequiredKey() throws {
        let dir = try tinyCopy()
        try editConfig(dir) { $0["vocab_size"] = nil }
        assertThrows(LlamaError.self, try LlamaCheckpoint(directory: dir)) {
            if case .missingConfigKey(let f, "vocab_size") = $0 { return f.hasSuffix("config.json") }; return false
        }
        try FileManager.default.removeItem(at: dir.appendingPathComponent("config.json"))
        assertThrows(LlamaError.self, try LlamaCheckpoint(directory: dir)) {
            if case .cannotReadConfig = $0 { return true }; return false
        }
    }

    func testRealSmolLM2() throws {
        let models = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../models").standardizedFileURL
        for name in ["smollm2-135m-fp32", "smollm2-135m-bf16", "smollm2-135m-bf16-sharded"] {
            let url = models.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: url.appendingPathComponent("config.json").path) else {
                throw XCTSkip("\(url.path) absent: run scripts/fetch-smollm2.sh")
            }
            let ckpt = try LlamaCheckpoint(directory: url)
            XCTAssertEqual(ckpt.config.numHiddenLayers, 30)
            XCTAssertEqual(ckpt.parameterCount, 134_515_008)
            XCTAssertTrue(ckpt.isTied)
            XCTAssertEqual(ckpt.outputProjectionName, WeightName.embedTokens)
        }
    }
}
