import XCTest
import TestSupport
@testable import Pruning

final class DownProjectionFolderTests: XCTestCase {
    func testFoldIsTransposeTimesWeightInEachDtype() throws {
        let d = 5, f = 9
        var rng = SeededRandom(seed: 11)
        let w = rng.floats(d * f)
        let t = (0..<(d * d)).map { _ in Double(rng.uniform()) }
        var want = [Double](repeating: 0, count: d * f)
        for i in 0..<d { for j in 0..<f { for k in 0..<d { want[i * f + j] += t[k * d + i] * Double(w[k * f + j]) } } }
        for type in [StorageType.f32, .bf16, .f16] {
            var bytes = [UInt8](repeating: 0, count: d * f * type.byteSize)
            bytes.withUnsafeMutableBytes { b in for i in 0..<(d * f) { type.store(Double(w[i]), b.baseAddress!, i) } }
            let stored = bytes.withUnsafeBytes { b in (0..<(d * f)).map { type.load(b.baseAddress!, $0) } }
            var exact = [Double](repeating: 0, count: d * f)
            for i in 0..<d { for j in 0..<f { for k in 0..<d { exact[i * f + j] += t[k * d + i] * stored[k * f + j] } } }
            let out = try bytes.withUnsafeBytes {
                try DownProjectionFolder.fold(weight: $0.baseAddress!, type: type, rows: d, cols: f, transform: t)
            }
            XCTAssertEqual(out.count, bytes.count)
            // Each output element is the exact Float64 result rounded once to the dtype.
            var expectBytes = [UInt8](repeating: 0, count: out.count)
            expectBytes.withUnsafeMutableBytes { b in for i in 0..<(d * f) { type.store(exact[i], b.baseAddress!, i) } }
            XCTAssertEqual(out, expectBytes, "\(type)")
            let got = out.withUnsafeBytes { b in (0..<(d * f)).map { type.load(b.baseAddress!, $0) } }
            XCTAssertLessThan(relativeError(got, want), type == .f32 ? 1e-6 : 1e-2)
        }
    }

    func testIdentityFoldKeepsBytes() throws {
        let w: [UInt16] = [0x3F80, 0xBF00, 0x4049, 0x0001, 0x7F7F, 0x8000]   // bf16 values incl. subnormal, max, -0
        let bytes = w.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        let out = try bytes.withUnsafeBytes {
            try DownProjectionFolder.fold(weight: $0.baseAddress!, type: .bf16, rows: 2, cols: 3,
                                          transform: LinearTransform.identity(width: 2))
        }
        XCTAssertEqual(out, bytes)
    }

    func testBF16RoundingFromDoubleIsSingleRounding() {
        // 1 + 2^-8 is a bf16 tie (rounds to even: 1.0); 1 + 2^-8 + 2^-40 is just above it and must round up,
        // although Float32 rounding alone would first turn it into the tie.
        XCTAssertEqual(StorageType.bf16Bits(1 + 0x1p-8), 0x3F80)
        XCTAssertEqual(StorageType.bf16Bits(1 + 0x1p-8 + 0x1p-40), 0x3F81)
        XCTAssertEqual(StorageType.bf16Bits(-(1 + 0x1p-8 + 0x1p-40)), 0xBF81)
        XCTAssertEqual(StorageType.bf16Bits(1 + 3 * 0x1p-8), 0x3F82)   // tie between 0x3F81 and 0x3F82 → even
        XCTAssertEqual(StorageType.bf16Bits(.infinity), 0x7F80)
        XCTAssertTrue(StorageType.bf16Bits(.nan) & 0x7FC0 == 0x7FC0)
    }

    func testShapeMismatch() {
        let bytes = [UInt8](repeating: 0, count: 8)
        XCTAssertThrowsError(try bytes.withUnsafeBytes {
            try DownProjectionFolder.fold(weight: $0.baseAddress!, type: .f32, rows: 2, cols: 1, transform: [1])
        })
    }
}
