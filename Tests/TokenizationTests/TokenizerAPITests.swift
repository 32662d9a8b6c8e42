import Foundation
import XCTest
@testable import Tokenization

final class TokenizerAPITests: XCTestCase {
    func testSmolLM2SpecialTokensAndSizes() throws {
        let tok = try Fixtures.tokenizer("smollm2")
        XCTAssertEqual(tok.vocabularySize, 49152)
        XCTAssertEqual(tok.token(for: 0), "<|endoftext|>")
        XCTAssertNil(tok.token(for: 49152))
        XCTAssertNil(tok.token(for: -1))
        // No template and no config in the fixture directory: no BOS; EOS from the known names.
        XCTAssertNil(tok.bosTokenId)
        XCTAssertEqual(tok.eosTokenId, 0)
    }

    func testConfigSuppliesBosAndEos() throws {
        let dir = Fixtures.directory.appendingPathComponent("smollm2")
        let json = try Data(contentsOf: dir.appendingPathComponent("tokenizer.json"))
        let config = Data(#"{"bos_token": "<|im_start|>", "eos_token": {"content": "<|im_end|>"}}"#.utf8)
        let tok = try Tokenizer(tokenizerJSON: json, tokenizerConfigJSON: config)
        XCTAssertEqual(tok.bosTokenId, 1)
        XCTAssertEqual(tok.eosTokenId, 2)
        // A post-processor is present (empty template), so the config's add_* flags are not consulted.
        XCTAssertEqual(tok.encode("Hi"), tok.encode("Hi", addSpecialTokens: false))
    }

    func testTemplateNestedInSequenceAddsBos() throws {
        let tok = try Fixtures.tokenizer("llama3")
        XCTAssertEqual(tok.bosTokenId, 0)
        XCTAssertEqual(tok.encode("Hi").first, 0)
        XCTAssertEqual(Array(tok.encode("Hi").dropFirst()), tok.encode("Hi", addSpecialTokens: false))
    }

    /// The golden parity of these fixtures then covers the hand scanners (RegexFallbackParityTests the regex path).
    func testKnownPatternsUseTheHandScanners() throws {
        func kind(_ name: String) throws -> PatternScanner.Kind? {
            for step in try Fixtures.tokenizer(name).preTokenizers {
                if case .split(.scanner(let k), _, _) = step { return k }
            }
            return nil
        }
        XCTAssertEqual(try kind("smollm2"), .gpt2)
        XCTAssertEqual(try kind("llama3"), .llama3)
        XCTAssertEqual(try kind("qwen2"), .qwen2)
    }

    func testByteLevelRoundTripsEveryGoldenText() throws {
        for name in ["smollm2", "llama3", "digits"] {
            let tok = try Fixtures.tokenizer(name)
            for text in try Fixtures.texts() {
                XCTAssertEqual(Array(tok.decode(tok.encode(text, addSpecialTokens: false)).utf8), Array(text.utf8), "\(name): \(text.debugDescription)")
            }
        }
    }

    func testConcurrentEncodesMatchSequential() throws {
        let tok = try Fixtures.tokenizer("smollm2")
        let texts = try Fixtures.texts()
        let expected = texts.map { tok.encode($0) }
        final class Box: @unchecked Sendable { var results: [[[Int]]] = Array(repeating: [], count: 4); let lock = NSLock() }
        let box = Box()
        DispatchQueue.concurrentPerform(iterations: 4) { k in
            let r = texts.map { tok.encode($0) }
            box.lock.lock(); box.results[k] = r; box.lock.unlock()
        }
        for r in box.results { XCTAssertEqual(r, expected) }
    }
}
