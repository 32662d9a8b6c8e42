import XCTest
@testable import TensorCore

/// `Statistics64` (Float64 sums over Float32 activations) against its plain twins, on awkward shapes, with one
/// thread and several.
final class Statistics64Tests: XCTestCase {
    func testDotMatchesTheIndexOrderSum() {
        for n in [0, 1, 3, 4, 5, 17, 16_383, 16_384, 16_389, 100_003] {
            let a = randomFloats(n, seed: UInt64(n) + 7), b = randomFloats(n, seed: UInt64(n) + 8)
            let slow = ReferenceKernels.dot(count: n, a: a, b: b)
            let scale = zip(a, b).reduce(0.0) { $0 + abs(Double($1.0) * Double($1.1)) }
            for threads in [1, 2, 3] {
                let fast = Statistics64.dot(count: n, x: a, y: b, threads: threads)
                XCTAssertEqual(fast, slow, accuracy: 1e-13 * max(scale, 1), "n=\(n) threads=\(threads)")
            }
            // Deterministic: the same chunks in the same order, whatever the thread count.
            XCTAssertEqual(Statistics64.dot(count: n, x: a, y: b, threads: 1), Statistics64.dot(count: n, x: a, y: b, threads: 2))
        }
    }

    func testAbsColumnSumsEqualTheTwinExactly() {
        for (rows, cols, ld) in [(1, 1, 1), (3, 5, 7), (17, 33, 33), (64, 576, 580), (129, 4, 4), (2, 1031, 1031), (300, 300, 301)] {
            let x = randomFloats(rows * ld, seed: UInt64(rows * 1000 + cols))
            var slow = (0..<cols).map { Double($0) }           // accumulates onto what is there
            ReferenceKernels.absColumnSums(rows: rows, cols: cols, x: x, ldx: ld, sums: &slow)
            for threads in [1, 2, 3] {
                var fast = (0..<cols).map { Double($0) }
                Statistics64.accumulateAbsColumnSums(rows: rows, cols: cols, x: x, ldx: ld, sums: &fast, threads: threads)
                // Same order per column (rows ascending), so the sums are bit-identical.
                XCTAssertEqual(fast, slow, "\(rows)x\(cols) ld \(ld) threads \(threads)")
            }
        }
    }

    func testAbsRowSumsEqualTheTwinToRounding() {
        for (rows, cols) in [(1, 1), (3, 5), (17, 33), (64, 576), (129, 4), (2, 1031), (300, 301), (5, 0)] {
            let x = randomFloats(rows * cols, seed: UInt64(rows * 1000 + cols) + 3)
            var slow = [Double](repeating: -1, count: rows)
            ReferenceKernels.absRowSums(rows: rows, cols: cols, x: x, sums: &slow)
            for threads in [1, 2, 3] {
                var fast = [Double](repeating: -1, count: rows)
                Statistics64.absRowSums(rows: rows, cols: cols, x: x, sums: &fast, threads: threads)
                // Four lanes then combined: a different order than the twin's, so equal to Float64 rounding.
                for r in 0..<rows { XCTAssertEqual(fast[r], slow[r], accuracy: 1e-12 * max(slow[r], 1), "\(rows)x\(cols) row \(r) threads \(threads)") }
            }
        }
    }
}
