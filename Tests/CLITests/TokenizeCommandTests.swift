import Foundation
import XCTest
@testable import CLI

final class TokenizeCommandTests: XCTestCase {
    /// The SmolLM2 fixture of the tokenizer tests (a real tokenizer.json).
    private let smollm2 = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../TokenizationTests/Fixtures/smollm2").standardized.path

    func testTextPrintsIdsAndTokens() {
        let r = OutputCapture.run(["tokenize", smollm2, "--text", "Hello, world!"])
        XCTAssertEqual(r.code, 0, r.stderr)
        XCTAssertTrue(r.stdout.hasPrefix("4 tokens\n"), r.stdout)
        XCTAssertTrue(r.stdout.contains("\"Ġworld\""), r.stdout)
    }

    func testJSONOutputRoundTrips() throws {
        let r = OutputCapture.run(["tokenize", smollm2, "--text", "<|im_start|>user\n12 apples<|im_end|>", "--json"])
        XCTAssertEqual(r.code, 0, r.stderr)
        let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let ids = try XCTUnwrap(obj["ids"] as? [Int])
        XCTAssertEqual(ids.first, 1)  // <|im_start|> matched inside the text
        XCTAssertEqual(ids.last, 2)   // <|im_end|>
        XCTAssertEqual(obj["count"] as? Int, ids.count)
        XCTAssertEqual(obj["decoded"] as? String, "<|im_start|>user\n12 apples<|im_end|>")
    }

    func testFileInputAndNoSpecialTokens() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tokenize-\(getpid()).txt")
        try Data("Hi there".utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let r = OutputCapture.run(["tokenize", smollm2, "--file", url.path, "--no-special-tokens", "--json"])
        XCTAssertEqual(r.code, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("\"count\" : 2"), r.stdout)
    }

    func testTextAndFileAreMutuallyExclusive() {
        let both = OutputCapture.run(["tokenize", smollm2, "--text", "a", "--file", "b"])
        XCTAssertEqual(both.code, 64)
        XCTAssertTrue(both.stderr.contains("not both"), both.stderr)
        let neither = OutputCapture.run(["tokenize", smollm2])
        XCTAssertEqual(neither.code, 64)
        XCTAssertTrue(neither.stderr.contains("--text"), neither.stderr)
    }

    func testMalformedTokenizerIsExitOne() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bad-tokenizer-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let cases: [(String, String)] = [
            ("{\"model\": ", "invalid JSON"),
            (#"{"version": "1.0"}"#, "'model'"),
            (#"{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a b"]}}"#, "model.merges[0] uses token \"b\""),
        ]
        for (json, message) in cases {
            try Data(json.utf8).write(to: dir.appendingPathComponent("tokenizer.json"))
            let r = OutputCapture.run(["tokenize", dir.path, "--text", "x"])
            XCTAssertEqual(r.code, 1, json)
            XCTAssertTrue(r.stderr.hasPrefix("Error: "), r.stderr)
            XCTAssertTrue(r.stderr.contains(message), r.stderr)
        }
        let missing = OutputCapture.run(["tokenize", dir.appendingPathComponent("nope").path, "--text", "x"])
        XCTAssertEqual(missing.code, 1)
        XCTAssertTrue(missing.stderr.contains("nope: does not exist (expected a checkpoint directory or a GGUF file)"), missing.stderr)
        // A directory without tokenizer.json names the file.
        let empty = dir.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let noTokenizer = OutputCapture.run(["tokenize", empty.path, "--text", "x"])
        XCTAssertEqual(noTokenizer.code, 1)
        XCTAssertTrue(noTokenizer.stderr.contains("tokenizer.json: the file does not exist"), noTokenizer.stderr)
    }
}
