import JSON
import Foundation
import XCTest
@testable import Tokenization

/// Locates and reads the golden fixtures written by scripts/make-tokenizer-fixtures.py.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    struct Golden: Decodable {
        let ids: [[Int]]
        let ids_plain: [[Int]]
        let decoded: [String]
        let decoded_skip: [String]
    }

    /// The golden texts. Read with our own byte-exact JSON parser: Foundation's decoders would be fine for an
    /// array of strings, but this keeps the texts exactly as Python wrote them.
    static func texts() throws -> [String] {
        let data = try Data(contentsOf: directory.appendingPathComponent("texts.json"))
        let v = try JSONParser.parse([UInt8](data))
        return try XCTUnwrap(v.arrayValue).map { String(decoding: try XCTUnwrap($0.bytesValue), as: UTF8.self) }
    }

    /// Fixture name → goldens, from every `<name>/goldens.json` (ids are plain integers and the tests compare
    /// decoded strings by their UTF-8 bytes, so JSONDecoder is fine here).
    static func goldens() throws -> [String: Golden] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        var out: [String: Golden] = [:]
        for name in names {
            let url = directory.appendingPathComponent(name).appendingPathComponent("goldens.json")
            guard FileManager.default.fileExists(atPath: url.path) else { continue }
            out[name] = try JSONDecoder().decode(Golden.self, from: Data(contentsOf: url))
        }
        return out
    }

    static func tokenizer(_ name: String) throws -> Tokenizer {
        try Tokenizer(directory: directory.appendingPathComponent(name))
    }
}
