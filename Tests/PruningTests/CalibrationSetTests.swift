import XCTest
import SafeTensors
@testable import Pruning

final class CalibrationSetTests: XCTestCase {
    /// A stand-in tokenizer: one id per UTF-8 byte.
    private let bytesTokenizer: (String) throws -> [Int] = { Array($0.utf8).map(Int.init) }

    private func write(_ dir: URL, _ name: String, _ bytes: [UInt8]) throws -> URL {
        let url = dir.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }

    private func expectError(_ urls: [URL], samples: Int = 1, seqLen: Int = 4, vocab: Int? = nil,
                             _ check: (PruningError) -> Bool, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try CalibrationSet.load(files: urls, samples: samples, seqLen: seqLen, vocabSize: vocab,
                                                     encode: bytesTokenizer), file: file, line: line) { error in
            guard let e = error as? PruningError, check(e) else { return XCTFail("unexpected \(error)", file: file, line: line) }
        }
    }

    /// Text that tokenizes to an id beyond the model's vocabulary is refused, naming the token and the file.
    func testTokenizedTextBeyondTheVocabularyIsRefused() throws {
        let dir = try temporaryDirectory()
        let text = try write(dir, "a.txt", Array("abcz".utf8))   // 'z' = 122 ≥ vocab 100
        let jsonl = try write(dir, "b.jsonl", Array("{\"text\": \"ab\"}\n{\"text\": \"zz\"}\n".utf8))
        for (url, place) in [(text, text.path), (jsonl, jsonl.path + " line 2")] {
            XCTAssertThrowsError(try CalibrationSet.load(files: [url], samples: 1, seqLen: 4, vocabSize: 100, encode: bytesTokenizer,
                                                         tokenName: { String(UnicodeScalar(UInt8($0))) })) {
                XCTAssertEqual($0 as? PruningError, .tokenBeyondVocabulary(file: place, token: "z", id: 122, vocabSize: 100))
                XCTAssertTrue("\($0)".contains("'z' (id 122), beyond the model's vocabulary of 100 ids"), "\($0)")
            }
        }
    }

    func testConcatenatesDocumentsInOrderAndCutsWindows() throws {
        let dir = try temporaryDirectory()
        let text = try write(dir, "a.txt", Array("abcdef".utf8))
        let jsonl = try write(dir, "b.jsonl", Array("{\"text\": \"gh\"}\n\n{\"ids\": [1, 2, 3]}\n{\"text\": \"unused\"}\n".utf8))
        let set = try CalibrationSet.load(files: [text, jsonl], samples: 2, seqLen: 5, encode: bytesTokenizer)
        XCTAssertEqual(set.windows, [[97, 98, 99, 100, 101], [102, 103, 104, 1, 2]])
        XCTAssertEqual(set.sources.map(\.format), ["text", "jsonl"])
        XCTAssertEqual(set.sources[1].documentsUsed, 2)   // reading stops once there are enough ids
        XCTAssertEqual(set.sources[0].sha256, SHA256.hex(Data("abcdef".utf8)))
        // Loading twice gives the same windows (deterministic), and the ids export round-trips.
        let again = try CalibrationSet.load(files: [text, jsonl], samples: 2, seqLen: 5, encode: bytesTokenizer)
        XCTAssertEqual(again.windows, set.windows)
        let exported = try write(dir, "ids.jsonl", Array(set.idsJSONL().utf8))
        let reread = try CalibrationSet.load(files: [exported], samples: 2, seqLen: 5, encode: { _ in XCTFail(); return [] })
        XCTAssertEqual(reread.windows, set.windows)
    }

    func testNotUTF8ReportsLineAndOffset() throws {
        let dir = try temporaryDirectory()
        let url = try write(dir, "bad.txt", Array("ok\nfine\nba".utf8) + [0xC3, 0x28] + Array("d".utf8))
        expectError([url]) { $0 == .textNotUTF8(file: url.path, line: 3, byteOffset: 10) }
    }

    func testBadJSONLReportsLine() throws {
        let dir = try temporaryDirectory()
        let notJSON = try write(dir, "a.jsonl", Array("{\"text\": \"hello world\"}\n{\"text\": \"unterminated}\n".utf8))
        expectError([notJSON]) { if case .badJSONLine(_, 2, _) = $0 { true } else { false } }
        let noKey = try write(dir, "b.jsonl", Array("\n{\"body\": \"x\"}\n".utf8))
        expectError([noKey]) { if case .badJSONLine(_, 2, let r) = $0 { r.contains("neither") } else { false } }
        let array = try write(dir, "c.jsonl", Array("[1, 2]\n".utf8))
        expectError([array]) { if case .badJSONLine(_, 1, _) = $0 { true } else { false } }
        let floats = try write(dir, "d.jsonl", Array("{\"ids\": [1, 2.5]}\n".utf8))
        expectError([floats]) { if case .badJSONLine(_, 1, _) = $0 { true } else { false } }
        let bools = try write(dir, "e.jsonl", Array("{\"ids\": [true]}\n".utf8))
        expectError([bools]) { if case .badJSONLine(_, 1, _) = $0 { true } else { false } }
        let textNotString = try write(dir, "f.jsonl", Array("{\"text\": 5}\n".utf8))
        expectError([textNotString]) { if case .badJSONLine(_, 1, _) = $0 { true } else { false } }
        let outOfVocab = try write(dir, "g.jsonl", Array("{\"ids\": [1, 2, 500]}\n".utf8))
        expectError([outOfVocab], vocab: 100) { $0 == .calibrationTokenOutOfRange(file: outOfVocab.path, line: 1, id: 500, vocabSize: 100) }
    }

    func testEmptyAndTooShort() throws {
        let dir = try temporaryDirectory()
        let empty = try write(dir, "empty.txt", [])
        let blank = try write(dir, "blank.jsonl", Array("\n\n".utf8))
        expectError([empty, blank]) { if case .calibrationEmpty = $0 { true } else { false } }
        let short = try write(dir, "short.txt", Array("abcdefg".utf8))
        expectError([short], samples: 2, seqLen: 4) { $0 == .calibrationTooShort(tokens: 7, samples: 2, seqLen: 4) }
        let missing = dir.appendingPathComponent("missing.txt")
        expectError([missing]) { if case .textUnreadable = $0 { true } else { false } }
    }

    func testShippedDefaultSetIsValid() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("calibration-samples/calibration.jsonl")
        let set = try CalibrationSet.load(files: [url], samples: 64, seqLen: 4096, encode: bytesTokenizer)
        XCTAssertEqual(set.samples, 64)
    }
}
