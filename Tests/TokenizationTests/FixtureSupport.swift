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
        let v = try JSONParser.parse([UInt8](data), file: "texts.json")
        return try XCTUnwrap(v.arrayValue).map { String(decoding: try XCTUnwrap($0.bytesValue), as: UTF8.self) }
    }

    /// name → goldens (ids are plain integers and strings are compared with ==, so JSONDecoder is fine here).
    static func goldens() throws -> [String: Golden] {
        let data = try Data(contentsOf: directory.appendingPathComponent("goldens.json"))
        return try JSONDecoder().decode([String: Golden].self, from: data)
    }

    static func tokenizer(_ name: String) throws -> Tokenizer {
        try Tokenizer(directory: directory.appendingPathComponent(name))
    }
}
