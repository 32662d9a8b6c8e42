import Foundation
import XCTest
@testable import CLI
import Llama

/// `replaceme perplexity` on the tiny fixture model (vocabulary 256 with a one-id-per-byte tokenizer).
final class PerplexityCommandTests: XCTestCase {
    static let model = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("LlamaTests/Fixtures/tiny-llama").path
    static let text = "It was the best of times, it was the worst of times; it was the age of wisdom. "

    func write(_ content: String, ext: String = "txt") throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ppl-\(UUID().uuidString).\(ext)")
        try content.write(to: url, atomically: true, encoding: .utf8)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url.path
    }

    func testJSONMatchesEvaluatorOnTheSameTokens() throws {
        let path = try write(Self.text)
        let r = OutputCapture.run(["perplexity", Self.model, "--text", path, "--seq-len", "16", "--json"])
        XCTAssertEqual(r.code, 0, r.stderr)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let bytes = Array(Self.text.utf8).map { Int32($0) }      // the fixture tokenizer maps byte b to id b
        XCTAssertEqual(json["windows"] as? Int, bytes.count / 15)
        XCTAssertEqual(json["tokens"] as? Int, bytes.count / 15 * 15)
        XCTAssertEqual(json["bos"] as? Int, 1)
        let model = try LlamaModel(source: CheckpointWeights(directory: URL(fileURLWithPath: Self.model)))
        let expected = try PerplexityEvaluator(model: model, seqLen: 16, bos: 1).evaluate(tokens: bytes)
        let ppl = try XCTUnwrap(json["perplexity"] as? Double)
        XCTAssertEqual(ppl, expected.perplexity, accuracy: 1e-9 * ppl)
        XCTAssertEqual(json["mean_nll"] as? Double ?? .nan, log(ppl), accuracy: 1e-9)
        XCTAssertTrue(r.stderr.contains("perplexity"), "progress goes to stderr")
    }

    func testJSONLinesAndTextOutput() throws {
        let path = try write("{\"text\": \"\(Self.text)\"}\n\n{\"text\": \"second document\", \"id\": 2}\n", ext: "jsonl")
        let r = OutputCapture.run(["perplexity", Self.model, "--jsonl", path, "--seq-len", "32", "--no-bos",
                                   "--max-tokens", "64"])
        XCTAssertEqual(r.code, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("perplexity: "), r.stdout)
        XCTAssertTrue(r.stdout.contains("62 scored in 2 windows of 32 (no BOS)"), r.stdout)
        XCTAssertTrue(r.stdout.contains("tokens/s"), r.stdout)
    }

    func testLayersOnly() throws {
        let r = OutputCapture.run(["perplexity", Self.model, "--text", try write(Self.text), "--seq-len", "40",
                                   "--layers-only", "--json"])
        XCTAssertEqual(r.code, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("\"perplexity\" : null"), r.stdout)
    }

    func testBadInputs() throws {
        let path = try write(Self.text)
        var r = OutputCapture.run(["perplexity", Self.model])
        XCTAssertEqual(r.code, 64)
        XCTAssertTrue(r.stderr.contains("exactly one of --text FILE or --jsonl FILE"), r.stderr)
        r = OutputCapture.run(["perplexity", Self.model, "--text", path, "--jsonl", path])
        XCTAssertEqual(r.code, 64)
        r = OutputCapture.run(["perplexity", Self.model, "--text", path, "--seq-len", "1"])
        XCTAssertEqual(r.code, 64)
        r = OutputCapture.run(["perplexity", Self.model, "--text", path, "--seq-len", "100"])
        XCTAssertEqual(r.code, 1)
        XCTAssertTrue(r.stderr.contains("fewer than one window needs (99 for --seq-len 100)"), r.stderr)
        r = OutputCapture.run(["perplexity", Self.model, "--text", path, "--seq-len", "129", "--no-bos"])
        XCTAssertEqual(r.code, 1)
        r = OutputCapture.run(["perplexity", Self.model, "--text", try write(String(repeating: Self.text, count: 2)),
                               "--seq-len", "129", "--no-bos"])
        XCTAssertEqual(r.code, 1)
        XCTAssertTrue(r.stderr.contains("max_position_embeddings (128)"), r.stderr)
        r = OutputCapture.run(["perplexity", Self.model, "--jsonl", try write("{\"text\": \"a\"}\n[1, 2]\n", ext: "jsonl")])
        XCTAssertEqual(r.code, 1)
        XCTAssertTrue(r.stderr.contains(":2: not a JSON object"), r.stderr)
        r = OutputCapture.run(["perplexity", Self.model, "--text", "/nonexistent/file.txt"])
        XCTAssertEqual(r.code, 1)
        XCTAssertTrue(r.stderr.contains("cannot read /nonexistent/file.txt"), r.stderr)
    }

    /// A byte-order mark is text (HF tokenizers encode it): it must not be dropped, or every window shifts.
    func testKeepsByteOrderMarkAndRejectsInvalidUTF8() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ppl-bom-\(UUID().uuidString).txt")
        try (Data([0xEF, 0xBB, 0xBF]) + Data(Self.text.utf8)).write(to: url)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        let r = OutputCapture.run(["perplexity", Self.model, "--text", url.path, "--seq-len", "83", "--json"])
        XCTAssertEqual(r.code, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("\"tokens\" : 82"), "3 BOM bytes + 79 text bytes: \(r.stdout)")
        try Data([0x41, 0xFF, 0x42]).write(to: url)
        let bad = OutputCapture.run(["perplexity", Self.model, "--text", url.path])
        XCTAssertEqual(bad.code, 1)
        XCTAssertTrue(bad.stderr.contains("not valid UTF-8"), bad.stderr)
    }

    func testHelpStatesBOSHandling() {
        let r = OutputCapture.run(["perplexity", "--help"])
        XCTAssertEqual(r.code, 0)
        XCTAssertTrue(r.stdout.contains("[BOS] + piece"))
        XCTAssertTrue(r.stdout.contains("--max-tokens"))
    }
}
