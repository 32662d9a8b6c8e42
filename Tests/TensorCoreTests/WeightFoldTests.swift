import XCTest
import TestSupport
@testable import TensorCore

final class WeightFoldTests: XCTestCase {
    /// The fold against its plain twin on awkward shapes, every ISA path and storage type: the twin sums in index
    /// order, dgemm in blocks, so the Float64 results differ by rounding only and the stored values by at most one
    /// unit of the storage type's last place (almost always none).
    func testFoldMatchesReferenceOnAwkwardShapes() {
        for path in KernelPath.supported {
            for (d, f) in [(1, 1), (3, 7), (17, 5), (33, 257), (65, 300), (7, 513)] {
                let w = randomFloats(d * f, seed: UInt64(d * 1000 + f))
                let t = randomFloats(d * d, seed: UInt64(f * 1000 + d)).map(Double.init)
                for storage in [StorageType.f32, .bf16, .f16] {
                    for scale in [1.0, 0.75] {
                        let size = d * f * storage.byteSize
                        var fast = [UInt8](repeating: 0, count: size), slow = fast
                        w.withUnsafeBufferPointer { wp in
                            t.withUnsafeBufferPointer { tp in
                                fast.withUnsafeMutableBytes {
                                    WeightFold.fold(weight: wp.baseAddress!, rows: d, cols: f, transform: tp.baseAddress!,
                                                    scale: scale, storage: storage, into: $0.baseAddress!, path: path)
                                }
                                slow.withUnsafeMutableBytes {
                                    ReferenceKernels.foldWeight(weight: wp.baseAddress!, rows: d, cols: f,
                                                                transform: tp.baseAddress!, scale: scale, storage: storage,
                                                                into: $0.baseAddress!)
                                }
                            }
                        }
                        let a = fast.withUnsafeBytes { b in (0..<(d * f)).map { storage.load(b.baseAddress!, $0) } }
                        let b = slow.withUnsafeBytes { b in (0..<(d * f)).map { storage.load(b.baseAddress!, $0) } }
                        let ulp = storage == .f32 ? 0x1p-23 : storage == .bf16 ? 0x1p-7 : 0x1p-10
                        for i in 0..<(d * f) {
                            XCTAssertLessThanOrEqual(abs(a[i] - b[i]), ulp * max(abs(b[i]), 1e-30) * 1.0001 + 1e-300,
                                                     "\(path) \(d)x\(f) \(storage) s=\(scale) element \(i)")
                        }
                    }
                }
            }
        }
    }

    /// Without T the fold is s·W rounded once; with s = 1 a stored value comes back unchanged.
    func testNoTransformIsScaledCopy() {
        let w: [Float] = [1, -0.5, 3.140625, 1e-40, 3.3895314e38, 2]   // bf16-exact values incl. a subnormal
        var out = [UInt8](repeating: 0, count: w.count * 2)
        w.withUnsafeBufferPointer { wp in
            out.withUnsafeMutableBytes {
                WeightFold.fold(weight: wp.baseAddress!, rows: 2, cols: 3, transform: nil, storage: .bf16, into: $0.baseAddress!)
            }
        }
        let back = out.withUnsafeBytes { b in (0..<w.count).map { Float(StorageType.bf16.load(b.baseAddress!, $0)) } }
        XCTAssertEqual(back, w.map { Float(bitPattern: UInt32(HalfConversion.bf16Bits($0)) << 16) })
        var halved = w
        halved.withUnsafeMutableBufferPointer {
            WeightFold.foldInPlace(weight: $0.baseAddress!, rows: 2, cols: 3, transform: nil, scale: 0.5, storage: .f32)
        }
        XCTAssertEqual(halved, w.map { $0 * 0.5 })
    }

    /// foldInPlace holds exactly the widened bytes that fold stores.
    func testFoldInPlaceEqualsWidenedFold() {
        let d = 9, f = 300
        let w = randomFloats(d * f, seed: 5)
        let t = randomFloats(d * d, seed: 6).map(Double.init)
        var bytes = [UInt8](repeating: 0, count: d * f * 2)
        var inPlace = w
        t.withUnsafeBufferPointer { tp in
            w.withUnsafeBufferPointer { wp in
                bytes.withUnsafeMutableBytes {
                    WeightFold.fold(weight: wp.baseAddress!, rows: d, cols: f, transform: tp.baseAddress!, scale: 1.5,
                                    storage: .bf16, into: $0.baseAddress!)
                }
            }
            inPlace.withUnsafeMutableBufferPointer {
                WeightFold.foldInPlace(weight: $0.baseAddress!, rows: d, cols: f, transform: tp.baseAddress!, scale: 1.5,
                                       storage: .bf16)
            }
        }
        let widened = bytes.withUnsafeBytes { b in (0..<(d * f)).map { Float(StorageType.bf16.load(b.baseAddress!, $0)) } }
        XCTAssertEqual(inPlace, widened)
    }

    func testBF16RoundingFromDoubleIsSingleRounding() {
        // 1 + 2^-8 is a bf16 tie (rounds to even: 1.0); 1 + 2^-8 + 2^-40 is just above it and must round up,
        // although Float32 rounding alone would first turn it into the tie.
        XCTAssertEqual(HalfConversion.bf16Bits(1 + 0x1p-8), 0x3F80)
        XCTAssertEqual(HalfConversion.bf16Bits(1 + 0x1p-8 + 0x1p-40), 0x3F81)
        XCTAssertEqual(HalfConversion.bf16Bits(-(1 + 0x1p-8 + 0x1p-40)), 0xBF81)
        XCTAssertEqual(HalfConversion.bf16Bits(1 + 3 * 0x1p-8), 0x3F82)   // tie between 0x3F81 and 0x3F82 → even
        XCTAssertEqual(HalfConversion.bf16Bits(Double.infinity), 0x7F80)
        XCTAssertTrue(HalfConversion.bf16Bits(Double.nan) & 0x7FC0 == 0x7FC0)
    }

    /// The residual from statistics against its plain twin, on awkward shapes and every path, and against the
    /// residual of explicit rows.
    func testGramResidualMatchesReferenceAndRows() {
        for path in KernelPath.supported {
            for (rows, n, m) in [(5, 1, 1), (40, 7, 3), (90, 33, 33), (300, 65, 17)] {
                let x = randomFloats(rows * n, seed: UInt64(rows + n)).map(Double.init)
                let z = randomFloats(rows * m, seed: UInt64(rows + m + 1)).map(Double.init)
                let t = randomFloats(n * m, seed: UInt64(n * m + 2)).map(Double.init)
                var g = [Double](repeating: 0, count: n * n), c = [Double](repeating: 0, count: n * m), zz = 0.0
                var direct = 0.0
                for r in 0..<rows {
                    for i in 0..<n { for k in 0..<n { g[i * n + k] += x[r * n + i] * x[r * n + k] } }
                    for i in 0..<n { for j in 0..<m { c[i * m + j] += x[r * n + i] * z[r * m + j] } }
                    for j in 0..<m {
                        zz += z[r * m + j] * z[r * m + j]
                        var xt = 0.0
                        for k in 0..<n { xt += x[r * n + k] * t[k * m + j] }
                        direct += (xt - z[r * m + j]) * (xt - z[r * m + j])
                    }
                }
                let fast = GramResidual.squared(t: t, g: g, c: c, targetEnergy: zz, n: n, m: m, path: path)
                let slow = ReferenceKernels.gramResidual(t: t, g: g, c: c, targetEnergy: zz, n: n, m: m)
                XCTAssertEqual(fast, slow, accuracy: 1e-10 * max(1, abs(slow)), "\(path) \(rows)x\(n)x\(m)")
                XCTAssertEqual(fast, direct, accuracy: 1e-9 * max(1, abs(direct)), "\(path) \(rows)x\(n)x\(m) rows")
            }
        }
    }
}
