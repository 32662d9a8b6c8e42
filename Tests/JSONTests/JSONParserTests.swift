import XCTest
@testable import JSON

final class JSONParserTests: XCTestCase {
    private func parse(_ s: String) throws -> JSONValue { try JSONParser.parse(Array(s.utf8)) }

    func testKeepsOrderAndNumberText() throws {
        let v = try parse(#"{"z": 1e-05, "a": [0.041666666666666664, 18446744073709551615, -0], "m": {"x": null, "t": true}}"#)
        let o = try XCTUnwrap(v.objectValue)
        XCTAssertEqual(o.keys, ["z", "a", "m"])
        XCTAssertEqual(o["z"], .number("1e-05"))
        XCTAssertEqual(o["a"]?.arrayValue?[1].uint64Value, UInt64.max)
        XCTAssertEqual(v.serialized(), #"{"z":1e-05,"a":[0.041666666666666664,18446744073709551615,-0],"m":{"x":null,"t":true}}"#)
    }

    func testPrettyPrintingMatchesPythonIndent2() throws {
        let v = try parse(#"{"a": [1, 2], "b": {}, "c": [], "d": "x\"y\u00e9"}"#)
        XCTAssertEqual(v.serialized(indent: 2), "{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": {},\n  \"c\": [],\n  \"d\": \"x\\\"y\u{e9}\"\n}")
    }

    func testEscapesAndSurrogates() throws {
        XCTAssertEqual(try parse(#""a\n\t\\\/\u00e9\ud83d\ude00""#), .string("a\n\t\\/é😀"))
        XCTAssertThrowsError(try parse(#""\ud83d""#))
        XCTAssertThrowsError(try parse(#""\x""#))
        XCTAssertThrowsError(try parse("\"a\u{01}\""))
    }

    func testDuplicateKeysAreByteExact() throws {
        XCTAssertThrowsError(try parse(#"{"a": 1, "a": 2}"#)) { XCTAssertEqual(($0 as? JSONParser.ParseError)?.duplicateKey, "a") }
        // "é" precomposed and decomposed are different keys (Foundation would merge them).
        let o = try XCTUnwrap(try parse("{\"\u{e9}\": 1, \"e\u{301}\": 2}").objectValue)
        XCTAssertEqual(o.count, 2)
    }

    /// `.keepLast` (tokenizer.json, as serde-based readers do): the last value, at the first key's position;
    /// keys still compare byte-exactly.
    func testKeepLastDuplicateKeys() throws {
        let v = try JSONParser.parse(Array("{\"a\": 1, \"\u{e9}\": 2, \"a\": {\"b\": 3}, \"e\u{301}\": 4, \"\u{e9}\": 5}".utf8),
                                     duplicateKeys: .keepLast)
        let o = try XCTUnwrap(v.objectValue)
        XCTAssertEqual(o.members.map { Array($0.key.utf8) }, [[0x61], [0xC3, 0xA9], [0x65, 0xCC, 0x81]])
        XCTAssertEqual(o.members.map(\.value), [.object(JSONObject([("b", .int(3))])), .int(5), .int(4)])
        XCTAssertEqual(v["a"]?["b"]?.intValue, 3)
    }

    func testRejectsMalformedDocuments() {
        for bad in ["", "{", "{\"a\" 1}", "[1,]", "{\"a\":1,}", "01", "1.", "-", "1e", "tru", "{} x", "nul", "[1 2]"] {
            XCTAssertThrowsError(try parse(bad), "accepted \(bad)")
        }
        XCTAssertThrowsError(try parse(String(repeating: "[", count: 600) + String(repeating: "]", count: 600)))
    }

    func testObjectEditingKeepsPositions() throws {
        var o = try XCTUnwrap(try parse(#"{"a":1,"b":2,"c":3}"#).objectValue)
        o["b"] = .string("x")
        o["d"] = .bool(false)
        o["a"] = nil
        XCTAssertEqual(JSONValue.object(o).serialized(), #"{"b":"x","c":3,"d":false}"#)
        XCTAssertEqual(JSONValue.object(o).serialized(), JSONValue.object(JSONObject([("b", .string("x")), ("c", .int(3)), ("d", .bool(false))])).serialized())
        XCTAssertEqual(o.sortedByKey().keys, ["b", "c", "d"])
    }
}
