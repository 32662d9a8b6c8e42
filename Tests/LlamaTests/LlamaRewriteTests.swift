import Foundation
import XCTest
@testable import Llama
import SafeTensors

/// Writing a checkpoint with layers removed, renumbered and one tensor replaced.
final class LlamaRewriteTests: XCTestCase {
    func testDropLayerRenumberAndReplace() throws {
        let input = try LlamaCheckpoint(directory: LlamaCheckpointTests.tiny)
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("replaceme-rewrite-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: out) }
        let down0 = WeightName.layer(0, .downProj)
        let replaced = (0..<(16 * 40)).map { Float($0 % 7) - 3 }  // exactly representable in bf16
        var reports = 0
        try input.writeRewritten(to: out, keepingLayers: [0, 2], replacements: [down0: { replaced }], progress: { _, _ in reports += 1 })
        XCTAssertGreaterThan(reports, 0)

        let output = try LlamaCheckpoint(directory: out)  // validates shapes against the rewritten config
        XCTAssertEqual(output.config.numHiddenLayers, 2)
        XCTAssertEqual(output.parameterCount, input.parameterCount - (input.config.parameterCount - output.config.parameterCount))
        XCTAssertEqual(try output.floats(down0), replaced)
        // Old layer 2 is new layer 1, bit for bit.
        for part in [WeightName.LayerPart.qProj, .downProj, .inputNorm] {
            XCTAssertEqual(try output.weights.rawBytes(WeightName.layer(1, part)), try input.weights.rawBytes(WeightName.layer(2, part)))
        }
        XCTAssertEqual(try output.weights.rawBytes(WeightName.lmHead), try input.weights.rawBytes(WeightName.lmHead))
        XCTAssertFalse(output.weights.contains(WeightName.layer(2, .qProj)))
        XCTAssertEqual(output.weights.files.count, 3, "sharded like the input (largest input shard as the limit)")
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("generation_config.json").path))
    }

    func testRewriteRejectsUnknownReplacementAndBadLayers() throws {
        let input = try LlamaCheckpoint(directory: LlamaCheckpointTests.tiny)
        assertThrows(SafeTensorsError.self, try input.rewriteSources(keepingLayers: [0], replacements: ["nope": { [] }])) {
            if case .tensorNotFound("nope", _) = $0 { return true }; return false
        }
        assertThrows(LlamaError.self, try input.rewriteSources(keepingLayers: [0, 3])) {
            if case .invalidLayerSelection = $0 { return true }; return false
        }
    }
}
