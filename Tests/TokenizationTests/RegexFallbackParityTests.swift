import Foundation
import XCTest
@testable import Tokenization

/// The hand scanners are chosen by the exact pattern text. Wrapping the same pattern in `(?:…)` sends it down the
/// general regex path (Swift `Regex`, scalar semantics); both paths must reproduce the HF goldens.
final class RegexFallbackParityTests: XCTestCase {
    private func escapedJSON(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }

    private func check(_ tok: Tokenizer, against name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let texts = try Fixtures.texts()
        let golden = try XCTUnwrap(try Fixtures.goldens()[name])
        var mismatches = 0
        for (i, text) in texts.enumerated() where tok.encode(text) != golden.ids[i] {
            mismatches += 1
            if mismatches <= 5 { XCTFail("\(name) via regex, text \(i) \(text.debugDescription)", file: file, line: line) }
        }
        XCTAssertEqual(mismatches, 0, file: file, line: line)
    }

    func testLlama3PatternThroughGeneralRegex() throws {
        let url = Fixtures.directory.appendingPathComponent("llama3/tokenizer.json")
        let json = try String(contentsOf: url, encoding: .utf8)
        let original = "\"" + escapedJSON(PatternScanner.llama3Pattern) + "\""
        XCTAssertTrue(json.contains(original), "fixture no longer holds the Llama-3 pattern")
        let wrapped = json.replacingOccurrences(of: original, with: "\"(?:" + escapedJSON(PatternScanner.llama3Pattern) + ")\"")
        let tok = try Tokenizer(tokenizerJSON: Data(wrapped.utf8))
        guard case .split(.regex, _, _)? = tok.preTokenizers.first else { return XCTFail("expected the regex path") }
        try check(tok, against: "llama3")
    }

    func testGPT2PatternThroughGeneralRegex() throws {
        let url = Fixtures.directory.appendingPathComponent("smollm2/tokenizer.json")
        let json = try String(contentsOf: url, encoding: .utf8)
        // The fixture's pre-tokenizer is Sequence[Digits, ByteLevel(use_regex)]: replace the whole object.
        let start = try XCTUnwrap(json.range(of: "\"pre_tokenizer\": {"))
        var depth = 0
        var end = start.upperBound
        for i in json[json.index(before: start.upperBound)...].indices {
            if json[i] == "{" { depth += 1 }
            if json[i] == "}" { depth -= 1; if depth == 0 { end = json.index(after: i); break } }
        }
        XCTAssertTrue(json[start.lowerBound..<end].contains("\"Digits\""))
        let replacement = """
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
          {"type": "Digits", "individual_digits": true},
          {"type": "Split", "pattern": {"Regex": "(?:\(escapedJSON(PatternScanner.gpt2Pattern)))"}, "behavior": "Isolated", "invert": false},
          {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": false}]}
        """
        let patched = json.replacingCharacters(in: start.lowerBound..<end, with: replacement)
        let tok = try Tokenizer(tokenizerJSON: Data(patched.utf8))
        guard case .split(.regex, _, _) = tok.preTokenizers[1] else { return XCTFail("expected the regex path") }
        try check(tok, against: "smollm2")
    }
}
