import Foundation
import XCTest
@testable import Tokenization

/// Checks on the real SmolLM2 checkpoint written by scripts/fetch-smollm2.sh (skipped when it is absent).
final class RealCheckpointTests: XCTestCase {
    func testSmolLM2CheckpointDirectory() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../models/smollm2-135m-fp32").standardized
        guard FileManager.default.fileExists(atPath: dir.appendingPathComponent("tokenizer.json").path) else {
            throw XCTSkip("models/smollm2-135m-fp32 is absent (run scripts/fetch-smollm2.sh)")
        }
        let tok = try Tokenizer(directory: dir)
        // tokenizer_config.json names the chat tokens; the template adds nothing.
        XCTAssertEqual(tok.bosTokenId.flatMap { tok.token(for: $0) }, "<|im_start|>")
        XCTAssertEqual(tok.eosTokenId.flatMap { tok.token(for: $0) }, "<|im_end|>")
        XCTAssertEqual(tok.vocabularySize, 49152)
        let golden = try XCTUnwrap(try Fixtures.goldens()["smollm2"])
        for (i, text) in try Fixtures.texts().enumerated() {
            XCTAssertEqual(tok.encode(text), golden.ids[i], text.debugDescription)
        }
    }
}
