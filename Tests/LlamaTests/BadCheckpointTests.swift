import Foundation
import SafeTensors
import XCTest
@testable import Llama

/// Bad checkpoints give specific errors naming what is wrong (tensor, key, value).
final class BadCheckpointTests: XCTestCase {
    static let fixture = HFParityTests.fixtures.appendingPathComponent("tiny-llama")

    /// A scratch copy of the tiny fixture, with `edit` applied to it.
    func copyFixture(_ edit: (URL) throws -> Void) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("llama-bad-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: Self.fixture, to: dir)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        try edit(dir)
        return dir
    }

    func editConfig(_ dir: URL, _ replace: (String) -> String) throws {
        let url = dir.appendingPathComponent("config.json")
        try replace(try String(contentsOf: url, encoding: .utf8)).write(to: url, atomically: true, encoding: .utf8)
    }

    /// Overwrites element `index` of tensor `name` (F32) in model.safetensors with `value`.
    func poison(_ dir: URL, tensor name: String, index: Int, value: Float) throws {
        let url = dir.appendingPathComponent("model.safetensors")
        let file = try SafeTensorsFile(url: url)
        let offset = file.dataStart + (try file.tensorInfo(name)).dataRange.lowerBound + 4 * index
        var data = try Data(contentsOf: url)
        withUnsafeBytes(of: value.bitPattern.littleEndian) { data.replaceSubrange(offset..<(offset + 4), with: $0) }
        try data.write(to: url)
    }

    func testNaNInALayerWeightIsNamed() throws {
        let name = WeightName.layer(1, .downProj)
        let dir = try copyFixture { try poison($0, tensor: name, index: 77, value: .nan) }
        let model = try LlamaModel(source: CheckpointWeights(directory: dir), residency: .streaming)
        XCTAssertThrowsError(try model.forward(ForwardBatch(samples: [[1, 2, 3]]))) { error in
            guard case .nonFiniteWeight(let tensor, let index, _)? = error as? LlamaError else {
                return XCTFail("unexpected \(error)")
            }
            XCTAssertEqual(tensor, name)
            XCTAssertEqual(index, 77)
            XCTAssertTrue("\(error)".contains("model.layers.1.mlp.down_proj.weight"))
        }
    }

    func testInfInEmbeddingRowIsNamedWhenUsed() throws {
        // Row 5 of the embedding poisoned: a batch without token 5 runs, one with it fails naming the tensor.
        let dir = try copyFixture { try poison($0, tensor: WeightName.embedTokens, index: 5 * 32 + 3, value: .infinity) }
        let model = try LlamaModel(source: CheckpointWeights(directory: dir))
        XCTAssertNoThrow(try model.forward(ForwardBatch(samples: [[1, 2, 3]])))
        XCTAssertThrowsError(try model.forward(ForwardBatch(samples: [[1, 5]]))) {
            XCTAssertEqual($0 as? LlamaError,
                           .nonFiniteWeight(tensor: WeightName.embedTokens, index: 5 * 32 + 3, value: .infinity))
        }
    }

    func testNaNInHeadIsNamed() throws {
        let dir = try copyFixture { try poison($0, tensor: WeightName.lmHead, index: 100, value: -.infinity) }
        let model = try LlamaModel(source: CheckpointWeights(directory: dir))
        let sink = LogitsCollector(rows: 2, vocabSize: 256)
        XCTAssertThrowsError(try model.forward(ForwardBatch(samples: [[1, 2]]), logits: sink)) {
            XCTAssertEqual($0 as? LlamaError, .nonFiniteWeight(tensor: WeightName.lmHead, index: 100, value: -.infinity))
        }
    }

    func testUnknownModelType() throws {
        let dir = try copyFixture { try editConfig($0) { $0.replacingOccurrences(of: "\"llama\"", with: "\"gpt_neox\"") } }
        XCTAssertThrowsError(try CheckpointWeights(directory: dir)) {
            guard case .unsupportedModelType(_, let type, _)? = $0 as? LlamaError else { return XCTFail("\($0)") }
            XCTAssertEqual(type, "gpt_neox")
        }
    }

    func testUnknownRopeType() throws {
        let dir = try copyFixture {
            try editConfig($0) { $0.replacingOccurrences(of: "\"rope_type\": \"default\"", with: "\"rope_type\": \"yarn\", \"factor\": 4.0") }
        }
        XCTAssertThrowsError(try CheckpointWeights(directory: dir)) {
            guard case .unsupportedRopeType(_, let type)? = $0 as? LlamaError else { return XCTFail("\($0)") }
            XCTAssertEqual(type, "yarn")
            XCTAssertTrue("\($0)".contains("rope type 'yarn' is not supported"))
        }
    }

    func testSequenceLongerThanMaxPositions() throws {
        let model = try LlamaModel(source: CheckpointWeights(directory: Self.fixture))
        XCTAssertEqual(model.geometry.maxPositions, 128)
        let long = [Int32](repeating: 7, count: 129)
        XCTAssertThrowsError(try model.forward(ForwardBatch(samples: [[1, 2], long]))) {
            XCTAssertEqual($0 as? LlamaError, .sequenceTooLong(sample: 1, length: 129, maxPositions: 128))
        }
    }

    func testTextShorterThanOneWindow() throws {
        let model = try LlamaModel(source: CheckpointWeights(directory: Self.fixture))
        let evaluator = PerplexityEvaluator(model: model, seqLen: 64, bos: 1)
        XCTAssertThrowsError(try evaluator.evaluate(tokens: Array(repeating: 9, count: 62))) {
            XCTAssertEqual($0 as? LlamaError, .textTooShort(tokens: 62, needed: 63, seqLen: 64))
        }
    }
}
