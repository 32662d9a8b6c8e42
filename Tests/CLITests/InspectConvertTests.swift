import Foundation
import XCTest
@testable import CLI

/// `inspect` and `convert` end to end, in process, on the tiny transformers-saved checkpoint.
final class InspectConvertTests: XCTestCase {
    static let tiny = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../LlamaTests/Fixtures/tiny-llama-sharded").standardizedFileURL

    private func tempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("replaceme-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }

    func testInspectText() {
        let r = OutputCapture.run(["inspect", Self.tiny.path])
        XCTAssertEqual(r.code, 0, r.stderr)
        for line in ["Architecture: LlamaForCausalLM (model_type llama)", "Layers:       3",
                     "Attention:    4 heads, 2 key/value heads, head_dim 4", "Parameters:   10,224 (10.2 k)",
                     "Embeddings:   untied", "BF16 (30 tensors, 20.4 kB)", "4 shards + model.safetensors.index.json"] {
            XCTAssertTrue(r.stdout.contains(line), "missing '\(line)' in\n\(r.stdout)")
        }
    }

    func testInspectJSON() throws {
        let r = OutputCapture.run(["inspect", Self.tiny.path, "--json"])
        XCTAssertEqual(r.code, 0, r.stderr)
        let j = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(j["num_hidden_layers"] as? Int, 3)
        XCTAssertEqual(j["parameters"] as? Int, 10224)
        XCTAssertEqual(j["tie_word_embeddings"] as? Bool, false)
        XCTAssertEqual(j["sharded"] as? Bool, true)
        XCTAssertEqual((j["files"] as? [Any])?.count, 4)
        XCTAssertEqual(j["tensor_bytes"] as? Int, 20448)
    }

    func testInspectErrorsExitOne() throws {
        let r = OutputCapture.run(["inspect", "/nonexistent/checkpoint"])
        XCTAssertEqual(r.code, 1)
        XCTAssertTrue(r.stderr.hasPrefix("Error: cannot read /nonexistent/checkpoint: does not exist (expected a checkpoint directory or a GGUF file)"), r.stderr)
        XCTAssertEqual(r.stdout, "")
        // A file that is not GGUF, and a directory without config.json: plain reasons, no Foundation boilerplate.
        let notGGUF = OutputCapture.run(["inspect", #filePath])
        XCTAssertEqual(notGGUF.code, 1)
        XCTAssertTrue(notGGUF.stderr.contains("is a file but not a GGUF file"), notGGUF.stderr)
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("empty-ckpt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let noConfig = OutputCapture.run(["inspect", empty.path])
        XCTAssertEqual(noConfig.code, 1)
        XCTAssertTrue(noConfig.stderr.contains("config.json: the file does not exist"), noConfig.stderr)
    }

    func testConvertRoundTripAndReshard() throws {
        let dir = try tempDir()
        let same = dir.appendingPathComponent("same")
        let r = OutputCapture.run(["convert", Self.tiny.path, same.path])
        XCTAssertEqual(r.code, 0, r.stderr)
        for name in try FileManager.default.contentsOfDirectory(atPath: Self.tiny.path) where name.hasSuffix(".safetensors") {
            // transformers (Rust safetensors) and our writer use the same layout: identical files.
            XCTAssertEqual(try Data(contentsOf: same.appendingPathComponent(name)), try Data(contentsOf: Self.tiny.appendingPathComponent(name)), name)
        }
        let f32 = dir.appendingPathComponent("f32")
        let r2 = OutputCapture.run(["convert", same.path, f32.path, "--dtype", "float32", "--max-shard-size", "10kB"])
        XCTAssertEqual(r2.code, 0, r2.stderr)
        let info = OutputCapture.run(["inspect", f32.path, "--json"])
        let j = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(j["torch_dtype"] as? String, "float32", "config dtype rewritten (transformers-5 'dtype' key)")
        XCTAssertEqual((j["files"] as? [Any])?.count, 5)
        XCTAssertNotNil(j["dtypes"].flatMap { ($0 as? [String: Any])?["F32"] })
    }

    func testConvertRefusesNonEmptyOutputAndInsideInput() throws {
        let dir = try tempDir()
        try Data("x".utf8).write(to: dir.appendingPathComponent("keep.txt"))
        let r = OutputCapture.run(["convert", Self.tiny.path, dir.path])
        XCTAssertEqual(r.code, 1)
        XCTAssertTrue(r.stderr.contains("exists and is not empty (use --force"), r.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["keep.txt"])
        let r2 = OutputCapture.run(["convert", Self.tiny.path, Self.tiny.appendingPathComponent("out").path])
        XCTAssertEqual(r2.code, 1)
        XCTAssertTrue(r2.stderr.contains("is inside the input checkpoint"), r2.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: Self.tiny.appendingPathComponent("out").path))
    }

    func testConvertOfACorruptCheckpointWritesNothing() throws {
        let dir = try tempDir()
        let input = dir.appendingPathComponent("in")
        try FileManager.default.copyItem(at: Self.tiny, to: input)
        let shard = input.appendingPathComponent("model-00003-of-00004.safetensors")
        let bytes = try Data(contentsOf: shard)
        try bytes.dropLast(10).write(to: shard)  // truncated: the last tensor runs past the end
        let out = dir.appendingPathComponent("out")
        for args in [["inspect", input.path], ["convert", input.path, out.path]] {
            let r = OutputCapture.run(args)
            XCTAssertEqual(r.code, 1, args[0])
            XCTAssertTrue(r.stderr.hasPrefix("Error: \(shard.path): tensor '"), r.stderr)
            XCTAssertTrue(r.stderr.contains("past the end"), r.stderr)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["in"], "nothing written")
    }

    func testConvertUsageErrors() {
        let r = OutputCapture.run(["convert", Self.tiny.path, "/tmp/x", "--max-shard-size", "lots"])
        XCTAssertEqual(r.code, 64)
        XCTAssertTrue(r.stderr.contains("'--max-shard-size' must be a size"), r.stderr)
        XCTAssertTrue(r.stderr.contains("Usage: replaceme convert"), r.stderr)
        let r2 = OutputCapture.run(["convert", Self.tiny.path, "/tmp/x", "--dtype", "int8"])
        XCTAssertEqual(r2.code, 64)
    }

    func testByteSizes() {
        XCTAssertEqual(ByteSize.parse("5GB"), 5_000_000_000)
        XCTAssertEqual(ByteSize.parse("2GiB"), 2 << 30)
        XCTAssertEqual(ByteSize.parse("500 MB"), 500_000_000)
        XCTAssertEqual(ByteSize.parse("10kB"), 10_000)
        XCTAssertEqual(ByteSize.parse("1234"), 1234)
        XCTAssertNil(ByteSize.parse("-1GB"))
        XCTAssertNil(ByteSize.parse("GB"))
    }
}
