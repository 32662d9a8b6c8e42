import JSON
import Foundation
import XCTest
@testable import Tokenization

/// The llama2-prepend fixture's vocabulary holds both "é" (U+00E9) and "e\u{301}" (e + combining acute), which
/// Swift `String` equality and Foundation's JSON decoders treat as the same key.
final class ByteExactVocabularyTests: XCTestCase {
    func testCanonicallyEquivalentTokensKeepDistinctIds() throws {
        let tok = try Fixtures.tokenizer("llama2-prepend")
        let precomposed = try XCTUnwrap(tok.id(for: "\u{E9}"))
        let decomposed = try XCTUnwrap(tok.id(for: "e\u{301}"))
        XCTAssertNotEqual(precomposed, decomposed)
        XCTAssertEqual(Array(try XCTUnwrap(tok.token(for: precomposed)).utf8), [0xC3, 0xA9])
        XCTAssertEqual(Array(try XCTUnwrap(tok.token(for: decomposed)).utf8), [0x65, 0xCC, 0x81])
        // Encoding keeps them apart too: the two spellings give different ids.
        XCTAssertNotEqual(tok.encode("\u{E9}", addSpecialTokens: false), tok.encode("e\u{301}", addSpecialTokens: false))
    }

    /// Shows the hazard this reader avoids: Foundation collapses the two keys, our parser keeps both.
    func testFoundationWouldMergeTheKeysButOurParserDoesNot() throws {
        let json = Data("{\"\u{E9}\": 1, \"e\u{301}\": 2}".utf8)
        let ours = try JSONParser.parse([UInt8](json))
        XCTAssertEqual(ours.objectValue?.members.map { Array($0.key.utf8) }, [[0xC3, 0xA9], [0x65, 0xCC, 0x81]])
        let foundation = try JSONSerialization.jsonObject(with: json) as? [String: Any]
        XCTAssertEqual(foundation?.count, 1, "if Foundation stops merging keys, this test documents the change")
    }

    func testJSONStringEscapesAndSurrogatePairs() throws {
        let v = try JSONParser.parse(Array(#"["a\"b\\c\/\n\t\u00e9\ud83d\ude00\u0000"]"#.utf8))
        let s = try XCTUnwrap(v.arrayValue?.first?.bytesValue)
        XCTAssertEqual(s, Array("a\"b\\c/\n\t\u{E9}\u{1F600}\u{0}".utf8))
    }
}
