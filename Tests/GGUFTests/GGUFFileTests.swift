import Foundation
import XCTest
@testable import GGUF
import TensorCore

/// The reader against files written by the Python `gguf` package (scripts/make-gguf-fixtures.py).
final class GGUFFileTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    func testMetadataOfEveryValueType() throws {
        let f = try GGUFFile(url: Self.fixtures.appendingPathComponent("all-types.gguf"))
        XCTAssertEqual(f.version, 3)
        XCTAssertEqual(f.metadata["test.u8"], .uint8(200))
        XCTAssertEqual(f.metadata["test.i8"], .int8(-100))
        XCTAssertEqual(f.metadata["test.u16"], .uint16(60000))
        XCTAssertEqual(f.metadata["test.i16"], .int16(-30000))
        XCTAssertEqual(f.metadata["test.u32"], .uint32(4_000_000_000))
        XCTAssertEqual(f.metadata["test.i32"], .int32(-2_000_000_000))
        XCTAssertEqual(f.metadata["test.f32"], .float32(0.1))
        XCTAssertEqual(f.metadata["test.bool"], .bool(true))
        XCTAssertEqual(f.metadata["test.string"], .string("héllo wörld"))
        XCTAssertEqual(f.metadata["test.u64"], .uint64(1 << 63 + 5))
        XCTAssertEqual(f.metadata["test.i64"], .int64(-(1 << 62)))
        XCTAssertEqual(f.metadata["test.f64"], .float64(1e-300))
        XCTAssertEqual(try f.strings("test.strings"), ["a", "", "ŝ"])
        XCTAssertEqual(try f.ints("test.ints"), [1, -2, 3])
        XCTAssertEqual(f.metadata["general.architecture"], .string("llama"))
        XCTAssertThrowsError(try f.int("test.string")) {
            XCTAssertEqual($0 as? GGUFError, .wrongKeyType(file: f.path, key: "test.string", expected: "an integer", found: "string"))
        }
        XCTAssertThrowsError(try f.int("nope")) { XCTAssertEqual($0 as? GGUFError, .missingKey(file: f.path, key: "nope")) }
    }

    /// Every type dequantized bit-identically to `gguf.quants.dequantize`.
    func testEveryTypeMatchesPythonBitForBit() throws {
        let f = try GGUFFile(url: Self.fixtures.appendingPathComponent("all-types.gguf"))
        let expectedData = try Data(contentsOf: Self.fixtures.appendingPathComponent("all-types.expected.f32"))
        let expected: [UInt32] = expectedData.withUnsafeBytes { Array($0.bindMemory(to: UInt32.self)) }
        let names = ["F32", "F16", "BF16"] + QuantizedFormat.allCases.map(\.rawValue)
        XCTAssertEqual(f.tensors.map(\.name), names.map { "t." + $0 })
        var offset = 0
        for t in f.tensors {
            XCTAssertEqual(t.shape, [2, 256], "\(t.name)")
            XCTAssertEqual(t.type.name, String(t.name.dropFirst(2)))
            let got = try f.floats(t.name).map(\.bitPattern)
            let want = Array(expected[offset..<(offset + got.count)])
            let mismatches = zip(got, want).filter { $0 != $1 }.count
            XCTAssertEqual(mismatches, 0, "\(t.name): \(mismatches) of \(got.count) elements differ from gguf-py")
            offset += got.count
        }
        XCTAssertEqual(offset, expected.count)
    }

    func testRowsOfAQuantizedTensor() throws {
        let f = try GGUFFile(url: Self.fixtures.appendingPathComponent("all-types.gguf"))
        for name in ["t.Q4_K", "t.Q8_0", "t.BF16"] {
            let all = try f.floats(name)
            var second = [Float](repeating: 0, count: 256)
            try second.withUnsafeMutableBufferPointer { try f.floats(name, rows: 1..<2, into: $0.baseAddress!) }
            XCTAssertEqual(second.map(\.bitPattern), all[256...].map(\.bitPattern))
        }
    }
}
