import XCTest
@testable import Llama

final class SoftmaxKernelsTests: XCTestCase {
    func testFastMatchesReferenceOnOddLengths() {
        var seed: UInt32 = 7
        for count in [1, 2, 7, 8, 9, 31, 64, 257, 1001] {
            let x: [Float] = (0..<count).map { _ in
                seed = seed &* 1_664_525 &+ 1_013_904_223
                return Float(seed >> 8) / Float(1 << 24) * 60 - 40
            }
            x.withUnsafeBufferPointer { p in
                let m = SoftmaxKernels.max(p.baseAddress!, count: count)
                XCTAssertEqual(m, SoftmaxKernels.referenceMax(p.baseAddress!, count: count))
                let fast = Double(SoftmaxKernels.sumExp(p.baseAddress!, count: count, shift: m))
                let ref = SoftmaxKernels.referenceSumExp(p.baseAddress!, count: count, shift: m)
                XCTAssertEqual(fast, ref, accuracy: ref * 2e-6, "count \(count)")
            }
        }
    }

    func testExpAccuracyAndUnderflow() {
        let xs: [Float] = [0, -1e-8, -0.3, -0.5, -0.7, -1, -2.5, -10, -40, -80, -87, -87.5, -100, -.infinity]
        for chunk in stride(from: 0, to: xs.count, by: 8) {
            var v = SIMD8<Float>(repeating: 0)
            for i in 0..<8 where chunk + i < xs.count { v[i] = xs[chunk + i] }
            let e = SoftmaxKernels.exp(v)
            for i in 0..<8 where chunk + i < xs.count {
                let ref = Foundation.exp(Double(v[i]))
                if v[i] < -87.3 { XCTAssertEqual(e[i], 0) } else {
                    XCTAssertEqual(Double(e[i]), ref, accuracy: ref * 3e-7, "x = \(v[i])")
                }
            }
        }
    }
}
