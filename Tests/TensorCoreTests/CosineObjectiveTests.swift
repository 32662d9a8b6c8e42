import XCTest
import TestSupport
@testable import TensorCore

/// The cosine objective's analytic gradient against central differences, and Adam against its update written out.
final class CosineObjectiveTests: XCTestCase {
    func testGradientMatchesCentralDifferences() {
        var rng = SeededGenerator(seed: 5)
        for (b, d) in [(1, 1), (3, 7), (5, 17)] {
            let u = (0..<(b * d)).map { _ in Double.random(in: -1...1, using: &rng) }
            let v = (0..<(b * d)).map { _ in Double.random(in: -1...1, using: &rng) }
            var g = [Double](repeating: 0, count: b * d)
            let sum = CosineObjective.gradient(rows: b, width: d, u: u, v: v, gradient: &g)
            XCTAssertEqual(sum, CosineObjective.sum(rows: b, width: d, u: u, v: v), accuracy: 1e-14)
            func loss(_ w: [Double]) -> Double { 1 - CosineObjective.sum(rows: b, width: d, u: w, v: v) / Double(b) }
            for i in 0..<(b * d) {
                let h = 1e-6
                var plus = u, minus = u
                plus[i] += h; minus[i] -= h
                XCTAssertEqual(g[i], (loss(plus) - loss(minus)) / (2 * h), accuracy: 1e-8, "(\(b), \(d)) element \(i)")
            }
        }
    }

    func testZeroRowsCountAsNoSimilarityAndNoGradient() {
        let u: [Double] = [0, 0, 1, 2], v: [Double] = [1, 1, 2, 4]
        var g = [Double](repeating: 9, count: 4)
        let sum = CosineObjective.gradient(rows: 2, width: 2, u: u, v: v, gradient: &g)
        XCTAssertEqual(sum, 1, accuracy: 1e-15)
        XCTAssertEqual(Array(g[0..<2]), [0, 0])
        XCTAssertEqual(g[2], 0, accuracy: 1e-15)   // parallel rows: at the optimum
        XCTAssertEqual(g[3], 0, accuracy: 1e-15)
    }

    /// Two steps of torch.optim.Adam's update, written out for one parameter.
    func testAdamStepsAsTorchDoes() {
        var adam = AdamOptimizer(parameters: 2, learningRate: 0.1)
        var p: [Double] = [1, -2]
        adam.step(&p, gradient: [0.5, -3])
        // Step 1: m̂ = g, v̂ = g², so p −= lr·g/(|g| + ε·…) ≈ lr·sign(g).
        XCTAssertEqual(p[0], 1 - 0.1 * 0.05 / 0.1 / ((0.00025 as Double).squareRoot() / (0.001 as Double).squareRoot() + 1e-8), accuracy: 1e-15)
        XCTAssertEqual(p[1], -2 + 0.1, accuracy: 1e-8)
        adam.step(&p, gradient: [0.5, 1])
        let m = 0.9 * 0.05 + 0.1 * 0.5, v = 0.999 * 0.00025 + 0.001 * 0.25
        let expected = (1 - 0.1 * 0.05 / 0.1 / ((0.00025 as Double).squareRoot() / (0.001 as Double).squareRoot() + 1e-8))
            - (0.1 / (1 - 0.81)) * m / (v.squareRoot() / (1 - 0.998001).squareRoot() + 1e-8)
        XCTAssertEqual(p[0], expected, accuracy: 1e-15)
        XCTAssertEqual(adam.steps, 2)
    }

    func testGatherConvertsAndAccumulates() {
        let x: [Float] = [1, 2, 3, 4, 5, 6]   // [3, 2]
        var out = [Double](repeating: 0, count: 4)
        [2, 0].withUnsafeBufferPointer { RowGather.gather64(indices: $0, width: 2, from: x, into: &out) }
        XCTAssertEqual(out, [5, 6, 1, 2])
        [1, 1].withUnsafeBufferPointer { RowGather.gather64(indices: $0, width: 2, from: x, into: &out, accumulate: true) }
        XCTAssertEqual(out, [8, 10, 4, 6])
        var y: [Float] = [1, 1]
        RowGather.reverseDifference(count: 2, x: [3, 5], y: &y)
        XCTAssertEqual(y, [2, 4])
    }
}
