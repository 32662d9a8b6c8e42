import Foundation
import XCTest
@testable import GGUF

/// Every way a GGUF file can be broken gets a specific error naming the key, tensor or offset; none crashes.
final class GGUFBadInputTests: XCTestCase {
    func open(_ b: GGUFBuilder, _ bytes: [UInt8]? = nil) throws -> GGUFFile { try GGUFFile(url: try b.write(bytes)) }

    func expect(_ b: GGUFBuilder, _ bytes: [UInt8]? = nil, file: StaticString = #filePath, line: UInt = #line,
                _ check: (GGUFError, String) -> Bool) {
        let url = try! b.write(bytes)
        XCTAssertThrowsError(try GGUFFile(url: url), file: file, line: line) { error in
            guard let e = error as? GGUFError else { return XCTFail("not a GGUFError: \(error)", file: file, line: line) }
            XCTAssertTrue(check(e, url.path), "unexpected: \(e)", file: file, line: line)
        }
    }

    func testSmallFileReads() throws {
        let f = try open(.small())
        XCTAssertEqual(f.tensors.map(\.name), ["a", "b"])
        XCTAssertEqual(try f.tensor("a").shape, [2, 4])
        XCTAssertEqual(try f.floats("b"), [1, 2, 3])
        XCTAssertEqual(f.metadata["test.count"], .uint32(7))
    }

    /// Every truncation of a valid file fails with a GGUFError (never a crash, never a silent success).
    func testEveryTruncationIsAnError() throws {
        let full = GGUFBuilder.small().bytes()
        for cut in 0..<full.count {
            let url = try GGUFBuilder().write(Array(full[..<cut]))
            XCTAssertThrowsError(try GGUFFile(url: url), "cut at \(cut)") { XCTAssertTrue($0 is GGUFError, "cut at \(cut): \($0)") }
        }
    }

    func testMagicAndVersion() {
        var b = GGUFBuilder.small(); b.magic = Array("GGUX".utf8)
        expect(b) { e, p in e == .notGGUF(file: p) }
        b = .small(); b.version = 1
        expect(b) { e, p in e == .unsupportedVersion(file: p, version: 1) }
        b = .small(); b.version = UInt32(3).byteSwapped
        expect(b) { e, _ in "\(e)".contains("big-endian") }
    }

    func testLyingCountsAndLengths() {
        var b = GGUFBuilder.small(); b.keyCountOverride = 1 << 40
        expect(b) { e, _ in if case .truncated(_, let what, _, _, _) = e { return what.contains("metadata keys") }; return false }
        b = .small(); b.tensorCountOverride = 1 << 40
        expect(b) { e, _ in if case .truncated(_, let what, _, _, _) = e { return what.contains("tensor entries") }; return false }
        b = GGUFBuilder(); b.keys = [("k", 8, GGUFBuilder.le(UInt64(1) << 62) + Array("x".utf8))]
        expect(b) { e, _ in if case .truncated(_, let what, _, _, _) = e { return what.contains("'k'") }; return false }
        b = GGUFBuilder(); b.keys = [("arr", 9, GGUFBuilder.le(UInt32(4)) + GGUFBuilder.le(UInt64(1) << 40))]
        expect(b) { e, _ in if case .truncated(_, let what, _, _, _) = e { return what.contains("'arr'") }; return false }
    }

    func testBadMetadataValues() {
        var b = GGUFBuilder(); b.keys = [("nested", 9, GGUFBuilder.le(UInt32(9)) + GGUFBuilder.le(UInt64(1)))]
        expect(b) { e, _ in if case .invalidMetadata(_, "nested", _) = e { return true }; return false }
        b = GGUFBuilder(); b.keys = [("flag", 7, [2])]
        expect(b) { e, p in e == .invalidMetadata(file: p, key: "flag", reason: "bool byte is 2, not 0 or 1") }
        b = GGUFBuilder(); b.keys = [("t", 13, [])]
        expect(b) { e, p in e == .invalidMetadata(file: p, key: "t", reason: "unknown value type 13") }
        b = GGUFBuilder(); b.add("dup", uint32: 1); b.add("dup", uint32: 2)
        expect(b) { e, p in e == .duplicateKey(file: p, key: "dup") }
        b = GGUFBuilder(); b.keys = [("s", 8, GGUFBuilder.le(UInt64(2)) + [0xC3, 0x28])]
        expect(b) { e, _ in "\(e)".contains("not valid UTF-8") }
        b = .small(); b.add("general.alignment", uint32: 24)
        expect(b) { e, _ in if case .invalidMetadata(_, "general.alignment", _) = e { return true }; return false }
    }

    func testBadTensorEntries() {
        var b = GGUFBuilder.small(); b.tensors[0].1 = [1, 1, 1, 1, 1]
        expect(b) { e, _ in if case .invalidTensor(_, "a", let r) = e { return r.contains("5 dimensions") }; return false }
        b = .small(); b.tensors[0].1 = [UInt64.max, 2]
        expect(b) { e, _ in if case .invalidTensor(_, "a", _) = e { return true }; return false }
        b = .small(); b.tensors[0].1 = [1 << 33, 1 << 33]
        expect(b) { e, _ in if case .invalidTensor(_, "a", _) = e { return true }; return false }
        b = .small(); b.tensors[0].2 = 8; b.tensors[0].1 = [4, 2]   // Q8_0 rows must be whole blocks of 32
        expect(b) { e, _ in if case .invalidTensor(_, "a", let r) = e { return r.contains("block of 32") }; return false }
        b = .small(); b.tensors[0].2 = 99
        expect(b) { e, _ in if case .invalidTensor(_, "a", let r) = e { return r.contains("unknown ggml type id 99") }; return false }
        b = .small(); b.tensors[1].3 = 33
        expect(b) { e, _ in if case .invalidTensor(_, "b", let r) = e { return r.contains("alignment") }; return false }
        b = .small(); b.tensors[1].3 = 1 << 20
        expect(b) { e, _ in if case .invalidTensor(_, "b", _) = e { return true }; if case .truncated = e { return true }; return false }
        b = .small(); b.tensors[1].1 = [64]
        expect(b) { e, _ in if case .truncated(_, let what, _, _, _) = e { return what.contains("'b'") }; return false }
        b = .small(); b.tensors[1].3 = 0
        expect(b) { e, _ in if case .invalidTensor(_, _, let r) = e { return r.contains("overlaps") }; return false }
        b = .small(); b.tensors[1].0 = "a"
        expect(b) { e, p in e == .duplicateTensor(file: p, tensor: "a") }
    }

    func testUnsupportedTypeAndNonFiniteDataAreRefusedWhenRead() throws {
        var b = GGUFBuilder.small()
        b.tensors[0] = ("q", [32], 9, 0)     // Q8_1: known, valid to hold, not dequantized here
        b.data = [UInt8](repeating: 0, count: 64) + b.data.dropFirst(32)
        b.tensors[1].3 = 64
        let f = try open(b)
        XCTAssertThrowsError(try f.floats("q")) { XCTAssertEqual($0 as? GGUFError, .unsupportedType(file: f.path, tensor: "q", type: "Q8_1")) }
        var c = GGUFBuilder.small()
        c.data.replaceSubrange(4..<8, with: GGUFBuilder.le(Float.nan.bitPattern))
        let g = try open(c)
        XCTAssertThrowsError(try g.floats("a")) { XCTAssertEqual($0 as? GGUFError, .nonFinite(file: g.path, tensor: "a", element: 1)) }
        XCTAssertThrowsError(try g.floats("zz")) { XCTAssertEqual($0 as? GGUFError, .tensorNotFound(file: g.path, tensor: "zz")) }
    }

    func testMissingFile() {
        XCTAssertThrowsError(try GGUFFile(url: URL(fileURLWithPath: "/nonexistent/x.gguf"))) {
            guard case .cannotOpen(let f, let r)? = $0 as? GGUFError else { return XCTFail("\($0)") }
            XCTAssertEqual(f, "/nonexistent/x.gguf")
            XCTAssertTrue(r.contains("No such file"), r)
        }
    }
}
