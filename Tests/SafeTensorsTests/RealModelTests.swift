import Foundation
import XCTest
@testable import SafeTensors
import TensorCore

/// Checks on the real SmolLM2-135M checkpoints (scripts/fetch-smollm2.sh); skipped when they are absent.
final class RealModelTests: XCTestCase {
    static let models = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../models").standardizedFileURL

    private func checkpoint(_ name: String) throws -> SafeTensorsCheckpoint {
        let url = Self.models.appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: url.appendingPathComponent("config.json").path) else {
            throw XCTSkip("\(url.path) absent: run scripts/fetch-smollm2.sh")
        }
        return try SafeTensorsCheckpoint(directory: url)
    }

    /// Read-then-write of the sharded bf16 checkpoint, in its own shard layout, reproduces every tensor byte for
    /// byte, and (since our writer uses the reference layout) every weight file and the index too.
    func testShardedCheckpointRoundTripsByteForByte() throws {
        let input = try checkpoint("smollm2-135m-bf16-sharded")
        XCTAssertEqual(input.files.count, 4)
        let dir = try TemporaryDirectory(self)
        let out = dir.path("copy")
        let shards = try input.files.map { file in try file.tensorNames.map { try TensorWriteSource.copy($0, from: input) } }
        try CheckpointWriter(output: out, inputs: [input.directory]).write(shards: shards, copying: input.auxiliaryFiles())
        let copy = try SafeTensorsCheckpoint(directory: out)
        XCTAssertEqual(copy.tensorNames, input.tensorNames)
        for name in input.tensorNames {
            XCTAssertEqual(copy.info(name)?.shape, input.info(name)?.shape, name)
            let same = try input.withRawBytes(name) { a in try copy.withRawBytes(name) { b in
                a.count == b.count && (a.count == 0 || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0)
            } }
            XCTAssertTrue(same, "tensor \(name) differs")
        }
        for file in input.files.map(\.url.lastPathComponent) + [SafeTensorsCheckpoint.indexFileName, "tokenizer.json"] {
            XCTAssertEqual(try Data(contentsOf: out.appendingPathComponent(file)),
                           try Data(contentsOf: input.directory.appendingPathComponent(file)), file)
        }
    }

    /// The bf16 checkpoints hold the fp32 weights rounded to nearest even: our f32 → bf16 must agree exactly.
    func testBF16IsTheRoundedFP32() throws {
        let fp32 = try checkpoint("smollm2-135m-fp32")
        let bf16 = try checkpoint("smollm2-135m-bf16")
        let sharded = try checkpoint("smollm2-135m-bf16-sharded")
        XCTAssertEqual(Set(fp32.tensorNames), Set(bf16.tensorNames))
        for name in ["model.layers.0.self_attn.q_proj.weight", "model.layers.29.mlp.down_proj.weight", "model.norm.weight"] {
            let full = try fp32.floats(name)
            let rounded = try bf16.floats(name)
            XCTAssertEqual(try sharded.rawBytes(name), try bf16.rawBytes(name), name)
            var mismatches = 0
            for (a, b) in zip(full, rounded) where Float(bitPattern: UInt32(HalfConversion.bf16Bits(a)) << 16) != b { mismatches += 1 }
            XCTAssertEqual(mismatches, 0, name)
        }
    }
}
