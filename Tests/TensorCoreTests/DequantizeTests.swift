import XCTest
import TensorCore
import TestSupport

/// The fast dequantization kernels against their per-element reference twins, on random blocks (random bytes,
/// so random float16 factors including subnormals, infinities and NaN), for every format, on block counts that
/// take the single-thread and the multi-thread path. (The kernels are scalar: there is no ISA-specific path.)
final class DequantizeTests: XCTestCase {
    func testFastEqualsReferenceForEveryFormat() {
        for format in QuantizedFormat.allCases {
            var rng = SeededGenerator(seed: 7 &+ UInt64(format.blockBytes))
            for blocks in [1, 3, 4097] {
                var raw = [UInt8](repeating: 0, count: blocks * format.blockBytes)
                for i in raw.indices { raw[i] = UInt8(truncatingIfNeeded: rng.next()) }
                var fast = [Float](repeating: 0, count: blocks * format.blockElements)
                var reference = [Float](repeating: 1, count: blocks * format.blockElements)
                raw.withUnsafeBytes { src in
                    fast.withUnsafeMutableBufferPointer { Dequantize.blocks(format, src.baseAddress!, count: blocks, into: $0.baseAddress!) }
                    reference.withUnsafeMutableBufferPointer {
                        ReferenceKernels.dequantize(format, src.baseAddress!, count: blocks, into: $0.baseAddress!)
                    }
                }
                let differ = zip(fast, reference).filter { !($0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN)) }.count
                XCTAssertEqual(differ, 0, "\(format.rawValue), \(blocks) blocks: \(differ) elements differ")
            }
        }
    }

    /// A hand-made Q8_0 block: d = 0.5, q = -128…-97 gives q·d exactly.
    func testQ8_0ByHand() {
        var block: [UInt8] = [0x00, 0x38]   // float16 0.5
        for i in 0..<32 { block.append(UInt8(bitPattern: Int8(-128 + i))) }
        var out = [Float](repeating: 0, count: 32)
        block.withUnsafeBytes { src in
            out.withUnsafeMutableBufferPointer { Dequantize.blocks(.q8_0, src.baseAddress!, count: 1, into: $0.baseAddress!) }
        }
        XCTAssertEqual(out, (0..<32).map { Float(-128 + $0) * 0.5 })
    }

    /// A hand-made Q4_1 block: d = 1, m = -8, nibbles 0…15 then 15…0.
    func testQ4_1ByHand() {
        var block: [UInt8] = [0x00, 0x3C, 0x00, 0xC8]   // float16 1.0, -8.0
        for j in 0..<16 { block.append(UInt8(j) | UInt8(15 - j) << 4) }
        var out = [Float](repeating: 0, count: 32)
        block.withUnsafeBytes { src in
            out.withUnsafeMutableBufferPointer { ReferenceKernels.dequantize(.q4_1, src.baseAddress!, count: 1, into: $0.baseAddress!) }
        }
        XCTAssertEqual(out, (0..<16).map { Float($0) - 8 } + (0..<16).map { Float(15 - $0) - 8 })
    }
}

/// Q8_0 quantization against its twin (C's roundf), and quantize → dequantize within half a step.
final class QuantizeTests: XCTestCase {
    func testQ8_0FastEqualsReferenceAndRoundTrips() {
        var rng = SeededGenerator(seed: 11)
        for blocks in [1, 5, 4099] {
            var x = (0..<(32 * blocks)).map { _ in Float(Double(rng.next() % 2_000_001) / 1_000_000 - 1) * 3 }
            for i in stride(from: 0, to: x.count, by: 97) { x[i] = 0 }                       // zeros
            if blocks > 1 { for j in 32..<64 { x[j] = 0 } }                                    // an all-zero block: d = 0
            for i in stride(from: 5, to: x.count, by: 61) { x[i] = Float(i % 7) * 0.5 - 1.5 } // halves after scaling, sometimes
            var fast = [UInt8](repeating: 0, count: 34 * blocks), reference = [UInt8](repeating: 1, count: 34 * blocks)
            x.withUnsafeBufferPointer { src in
                fast.withUnsafeMutableBytes { Quantize.q8_0(src.baseAddress!, count: blocks, into: $0.baseAddress!) }
                reference.withUnsafeMutableBytes { ReferenceKernels.quantizeQ8_0(src.baseAddress!, count: blocks, into: $0.baseAddress!) }
            }
            XCTAssertEqual(fast, reference, "\(blocks) blocks")
            var back = [Float](repeating: 0, count: x.count)
            fast.withUnsafeBytes { b in back.withUnsafeMutableBufferPointer { Dequantize.blocks(.q8_0, b.baseAddress!, count: blocks, into: $0.baseAddress!) } }
            for b in 0..<blocks {
                let amax = x[(32 * b)..<(32 * b + 32)].map(abs).max()!
                let step = amax / 127
                for j in (32 * b)..<(32 * b + 32) {
                    XCTAssertLessThanOrEqual(abs(back[j] - x[j]), step * 0.5 + amax * 1e-3, "element \(j)")
                }
            }
        }
    }
}
