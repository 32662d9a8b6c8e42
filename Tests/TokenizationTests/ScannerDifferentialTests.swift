import Foundation
import TestSupport
import XCTest
@testable import Tokenization

/// The hand scanners against Swift `Regex` (scalar semantics) on the same patterns, over seeded random strings
/// built from the characters the patterns distinguish. (HF parity itself is shown by the golden tests.)
final class ScannerDifferentialTests: XCTestCase {
    private let pool: [String] = ["a", "Z", "é", "e\u{301}", "\u{301}", "中", "ſ", "K", "1", "²", "١", "Ⅻ", " ", "  ", "\t",
                                  "\n", "\r", "\r\n", "\u{A0}", "\u{3000}", "\u{85}", "\u{2028}", "\u{B}", "'", "'s", "'T",
                                  "'re", "'LL", "'d", "!", ".", "-", "_", "😀", "\u{200D}", "\u{FE0F}", "\u{0}", "<|x|>"]

    func testScannersMatchSwiftRegex() throws {
        let cases: [(PatternScanner.Kind, String)] = [(.gpt2, PatternScanner.gpt2Pattern), (.llama3, PatternScanner.llama3Pattern),
                                                      (.qwen2, PatternScanner.qwen2Pattern)]
        var rng = SeededGenerator(seed: 42)
        let texts: [[UInt8]] = (0..<400).map { _ in
            Array((0..<Int.random(in: 1...16, using: &rng)).map { _ in pool.randomElement(using: &rng)! }.joined().utf8)
        }
        for (kind, pattern) in cases {
            let regex = try RegexMatcher(pattern: pattern, component: "test")
            for text in texts {
                text.withUnsafeBufferPointer { p in
                    var scanned: [Range<Int>] = []
                    PatternScanner.split(kind, p, 0..<p.count, into: &scanned)
                    let matched = regex.matches(p, 0..<p.count)
                    XCTAssertEqual(scanned, matched, "\(kind) on \(String(decoding: text, as: UTF8.self).debugDescription)")
                }
            }
        }
    }
}
