import Foundation
import XCTest
@testable import Tokenization

/// Ids and decodings identical to Hugging Face `tokenizers` for every fixture tokenizer and golden text.
final class GoldenParityTests: XCTestCase {
    func testEveryFixtureTokenizerMatchesHuggingFace() throws {
        let texts = try Fixtures.texts()
        let goldens = try Fixtures.goldens()
        XCTAssertGreaterThanOrEqual(goldens.count, 19)
        var failures: [String] = []
        for name in goldens.keys.sorted() {
            let g = goldens[name]!
            let tok = try Fixtures.tokenizer(name)
            for (i, text) in texts.enumerated() {
                let ids = tok.encode(text)
                if ids != g.ids[i] {
                    failures.append("\(name) text \(i) \(text.debugDescription.prefix(60)):\n   got  \(ids)\n   want \(g.ids[i])")
                }
                let plain = tok.encode(text, addSpecialTokens: false)
                if plain != g.ids_plain[i] { failures.append("\(name) text \(i) (no special tokens): got \(plain) want \(g.ids_plain[i])") }
                let decoded = tok.decode(g.ids[i])
                if Array(decoded.utf8) != Array(g.decoded[i].utf8) {
                    failures.append("\(name) text \(i) decode: got \(decoded.debugDescription) want \(g.decoded[i].debugDescription)")
                }
                let skipped = tok.decode(g.ids[i], skipSpecialTokens: true)
                if Array(skipped.utf8) != Array(g.decoded_skip[i].utf8) {
                    failures.append("\(name) text \(i) decode(skip): got \(skipped.debugDescription) want \(g.decoded_skip[i].debugDescription)")
                }
            }
        }
        XCTAssert(failures.isEmpty, "\(failures.count) mismatches:\n" + failures.prefix(40).joined(separator: "\n"))
    }
}
