import XCTest
import TestSupport
@testable import Pruning

final class TransformSolverTests: XCTestCase {
    /// Rows with Z = X·T0 + noise: the solve recovers T0, and the residual formulas match direct sums.
    func testRecoversTransformAndResiduals() throws {
        let d = 7, r = 200
        var rng = SeededRandom(seed: 3)
        let t0 = (0..<(d * d)).map { i in (i % (d + 1) == 0 ? 1.0 : 0) + 0.3 * Double(rng.uniform()) }
        let x = rng.floats(r * d)
        let y = rng.floats(r * d)                         // Y: attention residual
        var l = [Float](repeating: 0, count: r * d)      // L_end = Y + X·T0 + noise
        for i in 0..<r {
            for j in 0..<d {
                var s = 0.0
                for k in 0..<d { s += Double(x[i * d + k]) * t0[k * d + j] }
                l[i * d + j] = y[i * d + j] + Float(s) + 0.01 * rng.uniform()
            }
        }
        var acc = LeastSquaresAccumulator(width: d)
        var scratch: [Float] = []
        // Two batches, to exercise accumulation.
        for (lo, hi) in [(0, 120), (120, r)] {
            x.withUnsafeBufferPointer { xb in y.withUnsafeBufferPointer { yb in l.withUnsafeBufferPointer { lb in
                acc.add(rows: hi - lo, mlpOut: xb.baseAddress! + lo * d, attnResidual: yb.baseAddress! + lo * d,
                        spanOut: lb.baseAddress! + lo * d, scratch: &scratch)
            } } }
        }
        XCTAssertEqual(acc.rows, r)
        let fit = try TransformSolver.solve(acc, ridge: 0, layer: 3)
        XCTAssertLessThan(relativeError(fit.matrix, t0), 0.02)

        func residual(_ t: [Double]) -> (Double, Double) {
            var num = 0.0, den = 0.0, lden = 0.0
            for i in 0..<r {
                for j in 0..<d {
                    var s = 0.0
                    for k in 0..<d { s += Double(x[i * d + k]) * t[k * d + j] }
                    let z = Double(l[i * d + j]) - Double(y[i * d + j])
                    num += (s - z) * (s - z); den += z * z; lden += Double(l[i * d + j]) * Double(l[i * d + j])
                }
            }
            return ((num / den).squareRoot(), (num / lden).squareRoot())
        }
        let (res, stream) = residual(fit.matrix)
        let (resI, streamI) = residual(LinearTransform.identity(width: d))
        XCTAssertEqual(fit.relativeResidual, res, accuracy: 1e-6)
        XCTAssertEqual(fit.streamRelativeError, stream, accuracy: 1e-6)
        XCTAssertEqual(fit.identityRelativeResidual, resI, accuracy: 1e-6)
        XCTAssertEqual(fit.identityStreamRelativeError, streamI, accuracy: 1e-6)
        XCTAssertLessThan(fit.relativeResidual, fit.identityRelativeResidual)
    }

    /// The parallel, chunked target difference against a plain loop, on lengths around its chunk size.
    func testTargetDifferenceMatchesPlainLoop() {
        var rng = SeededRandom(seed: 11)
        for count in [1, 3, 4, 5, 16_383, 16_384, 16_385, 70_001] {
            let target = rng.floats(count), minus = rng.floats(count)
            var z = [Float](repeating: .nan, count: count)
            let (zz, ll) = z.withUnsafeMutableBufferPointer {
                LeastSquaresAccumulator.difference(count: count, target: target, minus: minus, into: $0.baseAddress!)
            }
            let want = zip(target, minus).map { $0 - $1 }
            XCTAssertEqual(z, want, "count \(count)")
            let wantZZ = want.reduce(0.0) { $0 + Double($1) * Double($1) }
            let wantLL = target.reduce(0.0) { $0 + Double($1) * Double($1) }
            XCTAssertEqual(zz, wantZZ, accuracy: wantZZ * 1e-12, "count \(count)")
            XCTAssertEqual(ll, wantLL, accuracy: wantLL * 1e-12, "count \(count)")
        }
    }

    func testNonFiniteStatisticNamesTheLayer() throws {
        var acc = LeastSquaresAccumulator(width: 2)
        var scratch: [Float] = []
        let x: [Float] = [.infinity, 1], y: [Float] = [0, 0], l: [Float] = [1, 1]
        acc.add(rows: 1, mlpOut: x, attnResidual: y, spanOut: l, scratch: &scratch)
        XCTAssertThrowsError(try TransformSolver.solve(acc, ridge: 0, layer: 11)) {
            guard case .nonFinite(_, 11)? = $0 as? PruningError else { return XCTFail("\($0)") }
            XCTAssertTrue("\($0)".contains("layer 11"))
        }
    }

    /// Fewer rows than dimensions: G is singular. With α = 0 the solver's fallback must raise the ridge (and say so),
    /// or the solve fails with the specific error; an explicit ridge always works.
    func testSingularGram() throws {
        let d = 6
        var rng = SeededRandom(seed: 9)
        let x = rng.floats(3 * d), y = rng.floats(3 * d), l = rng.floats(3 * d)
        var acc = LeastSquaresAccumulator(width: d)
        var scratch: [Float] = []
        acc.add(rows: 3, mlpOut: x, attnResidual: y, spanOut: l, scratch: &scratch)
        do {
            let fit = try TransformSolver.solve(acc, ridge: 0, layer: 4)
            XCTAssertTrue(fit.solve.usedFallback)
            XCTAssertGreaterThan(fit.solve.ridge, 0)
        } catch let error as PruningError {
            guard case .singularGram(4, _) = error else { return XCTFail("\(error)") }
            XCTAssertTrue("\(error)".contains("--ridge"))
        }
        let fit = try TransformSolver.solve(acc, ridge: 1e-3, layer: 4)
        XCTAssertEqual(fit.solve.ridge, 1e-3)
        XCTAssertLessThan(fit.relativeResidual, fit.identityRelativeResidual)
    }
}
