import Foundation
import XCTest
@testable import Tokenization

/// The scanning merge loop (short words) and HF's heap merge loop (long words) give identical results.
final class MergeLoopTests: XCTestCase {
    func testScanAndHeapAgreeOnRandomWords() throws {
        // A vocabulary over {a, b, c} with every string up to length 4 and random merge ranks.
        var rng = SystemRandomNumberGenerator()
        var vocab: [[UInt8]: Int32] = [:]
        var strings: [[UInt8]] = [[]]
        for _ in 1...4 {
            strings = strings.flatMap { s in [UInt8(ascii: "a"), UInt8(ascii: "b"), UInt8(ascii: "c")].map { s + [$0] } }
            for s in strings { vocab[s] = Int32(vocab.count) }
        }
        var pairs: [([UInt8], [UInt8])] = []
        for (s, _) in vocab where s.count >= 2 {
            for cut in 1..<s.count { pairs.append((Array(s[..<cut]), Array(s[cut...]))) }
        }
        pairs.shuffle(using: &rng)
        var merges = MergeTable(expectedCount: pairs.count)
        for (rank, (a, b)) in pairs.prefix(60).enumerated() {
            merges.insert(left: vocab[a]!, right: vocab[b]!, rank: Int32(rank), merged: vocab[a + b]!)
        }
        let model = BPEModel(vocab: vocab, merges: merges, unkId: nil, byteFallback: false, fuseUnk: false, ignoreMerges: false)
        for _ in 0..<300 {
            let n = Int.random(in: 1...120, using: &rng)
            let word: [Int32] = (0..<n).map { _ in Int32.random(in: 0..<3, using: &rng) }
            var scanned = word, heaped = word
            model.mergeByScanning(&scanned)
            model.mergeWithHeap(&heaped)
            XCTAssertEqual(scanned, heaped, "word \(word)")
        }
    }
}
