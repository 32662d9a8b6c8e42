import Foundation
import XCTest
@testable import Tokenization

/// Every malformed or unsupported tokenizer.json gives a specific error.
final class MalformedTokenizerTests: XCTestCase {
    private let minimalModel = #""model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b"]}"#

    private func load(_ json: String, config: String? = nil) throws -> Tokenizer {
        try Tokenizer(tokenizerJSON: Data(json.utf8), tokenizerConfigJSON: config.map { Data($0.utf8) })
    }

    private func assertError(_ json: String, config: String? = nil, _ expected: TokenizerError,
                             file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try load(json, config: config), file: file, line: line) { error in
            XCTAssertEqual(error as? TokenizerError, expected, file: file, line: line)
            XCTAssertFalse("\(error)".isEmpty)
        }
    }

    func testMinimalTokenizerLoads() throws {
        let tok = try load("{\(minimalModel)}")
        XCTAssertEqual(tok.encode("abba"), [2, 1, 0])  // no pre-tokenizer: one word "abba" → ab b a
    }

    func testBadJSONNamesLineAndOffset() {
        assertError("{\n  \"model\": {\"type\": \"BPE\",\n  }\n}",
                    .invalidJSON(file: "tokenizer.json", line: 3, offset: 31, reason: "expected a string key"))
        assertError("{\"model\": 01}", .invalidJSON(file: "tokenizer.json", line: 1, offset: 11, reason: "leading zero in number"))
        XCTAssertThrowsError(try Tokenizer(tokenizerJSON: Data([0x7B, 0xFF, 0x7D]))) { error in
            guard case .invalidJSON(_, _, _, let reason)? = error as? TokenizerError else { return XCTFail("\(error)") }
            XCTAssertTrue(reason.contains("UTF-8"))
        }
    }

    func testMissingModel() {
        assertError(#"{"version": "1.0", "normalizer": null}"#,
                    .missingField(file: "tokenizer.json", path: "model", expected: "an object"))
        assertError(#"{"model": {"type": "BPE", "merges": []}}"#,
                    .missingField(file: "tokenizer.json", path: "model.vocab", expected: "an object of token → id"))
    }

    func testMergeNamingAbsentToken() {
        assertError(#"{"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b", "a c"]}}"#,
                    .mergeTokenOutOfVocabulary(index: 1, token: "c"))
        assertError(#"{"model": {"type": "BPE", "vocab": {"a": 0, "b": 1}, "merges": [["a", "b"]]}}"#,
                    .mergeTokenOutOfVocabulary(index: 0, token: "ab"))
        assertError(#"{"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b c"]}}"#,
                    .badMerge(index: 0, entry: "a b c"))
    }

    func testUnsupportedComponentsAreNamed() {
        assertError("{\(minimalModel), \"pre_tokenizer\": {\"type\": \"Whitespace\"}}",
                    .unsupported(component: "pre_tokenizer.type=Whitespace"))
        assertError("{\(minimalModel), \"normalizer\": {\"type\": \"Sequence\", \"normalizers\": [{\"type\": \"BertNormalizer\"}]}}",
                    .unsupported(component: "normalizer.normalizers[0].type=BertNormalizer"))
        assertError("{\(minimalModel), \"decoder\": {\"type\": \"WordPiece\"}}",
                    .unsupported(component: "decoder.type=WordPiece"))
        assertError("{\(minimalModel), \"post_processor\": {\"type\": \"Sequence\", \"processors\": [{\"type\": \"Foo\"}]}}",
                    .unsupported(component: "post_processor.processors[0].type=Foo"))
        assertError(#"{"model": {"type": "Unigram", "vocab": []}}"#, .unsupported(component: "model.type=Unigram"))
        assertError(###"{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": [], "continuing_subword_prefix": "##"}}"###,
                    .unsupported(component: "model.continuing_subword_prefix=\"##\""))
        assertError("{\(minimalModel), \"pre_tokenizer\": {\"type\": \"Split\", \"pattern\": {\"String\": \" \"}, \"behavior\": \"Sideways\"}}",
                    .unsupported(component: "pre_tokenizer.behavior=Sideways"))
    }

    func testUnknownTokensMustExist() {
        assertError(#"{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": [], "unk_token": "<unk>"}}"#,
                    .tokenNotInVocabulary(component: "model.unk_token", token: "<unk>"))
        assertError("{\(minimalModel)}", config: #"{"bos_token": "<s>"}"#,
                    .tokenNotInVocabulary(component: "tokenizer_config.json bos_token", token: "<s>"))
        assertError("{\(minimalModel)}", config: #"{"add_bos_token": true}"#,
                    .missingField(file: "tokenizer_config.json", path: "bos_token", expected: "a token (add_bos_token is true)"))
    }

    func testBadRegexIsReported() {
        XCTAssertThrowsError(try load("{\(minimalModel), \"pre_tokenizer\": {\"type\": \"Split\", \"pattern\": {\"Regex\": \"(\"}, \"behavior\": \"Isolated\"}}")) { error in
            guard case .badRegex(let component, let pattern, _)? = error as? TokenizerError else { return XCTFail("\(error)") }
            XCTAssertEqual(component, "pre_tokenizer.pattern")
            XCTAssertEqual(pattern, "(")
        }
    }

    func testMissingDirectoryFile() {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("no-such-tokenizer-\(getpid())")
        XCTAssertThrowsError(try Tokenizer(directory: dir)) { error in
            guard case .unreadableFile(let path, _)? = error as? TokenizerError else { return XCTFail("\(error)") }
            XCTAssertTrue(path.hasSuffix("tokenizer.json"))
        }
    }
}
