import XCTest
@testable import TensorCore

final class CholeskySolverTests: XCTestCase {
    /// G = Zᵀ·Z/r + shift·I from random Z [r, n]: symmetric positive definite, well conditioned for r ≫ n.
    func spd(n: Int, rows: Int, shift: Double, seed: UInt64) -> [Double] {
        let z = randomFloats(rows * n, seed: seed).map(Double.init)
        var g = [Double](repeating: 0, count: n * n)
        for r in 0..<rows { for i in 0..<n { for j in 0..<n { g[i * n + j] += z[r * n + i] * z[r * n + j] / Double(rows) } } }
        for i in 0..<n { g[i * n + i] += shift }
        return g
    }

    func multiply(_ g: [Double], _ x: [Double], n: Int, m: Int, ridge: Double = 0) -> [Double] {
        var c = [Double](repeating: 0, count: n * m)
        for i in 0..<n { for p in 0..<n {
            let f = g[i * n + p] + (i == p ? ridge : 0)
            for j in 0..<m { c[i * m + j] += f * x[p * m + j] }
        } }
        return c
    }

    func testRecoversPlantedSolution() throws {
        for (n, m) in [(1, 1), (2, 3), (7, 1), (33, 5), (129, 4), (300, 7)] {
            let g = spd(n: n, rows: 2 * n + 10, shift: 0.5, seed: UInt64(n))
            let x = randomFloats(n * m, seed: UInt64(n + 1)).map(Double.init)
            let c = multiply(g, x, n: n, m: m)
            let (solved, report) = try CholeskySolver.solve(g: g, c: c, n: n, m: m)
            XCTAssertLessThan(relativeError(solved, x), 1e-9, "n=\(n) m=\(m)")
            XCTAssertFalse(report.usedFallback)
            XCTAssertEqual(report.ridge, 0)
            XCTAssertTrue(report.conditionEstimate >= 1 - 1e-9 && report.conditionEstimate < 1e4, "κ≈\(report.conditionEstimate)")
        }
    }

    func testRidgeIsApplied() throws {
        let n = 40, m = 3
        let g = spd(n: n, rows: 50, shift: 0, seed: 3)
        let x = randomFloats(n * m, seed: 4).map(Double.init)
        let c = multiply(g, x, n: n, m: m, ridge: 0.25)
        let (solved, report) = try CholeskySolver.solve(g: g, c: c, n: n, m: m, ridge: 0.25)
        XCTAssertLessThan(relativeError(solved, x), 1e-10)
        XCTAssertEqual(report.ridge, 0.25)
    }

    func testConditionEstimateOfDiagonalIsExact() throws {
        let n = 150
        var g = [Double](repeating: 0, count: n * n)
        for i in 0..<n { g[i * n + i] = Double(i + 1) }
        let (_, report) = try CholeskySolver.solve(g: g, c: [Double](repeating: 1, count: n), n: n, m: 1)
        XCTAssertEqual(report.conditionEstimate, Double(n), accuracy: 1e-9 * Double(n))
    }

    func testSingularMatrixTakesRidgeFallback() throws {
        // Rank 5 Gram matrix of size 20: Cholesky must fail at ridge 0; the fallback raises the ridge.
        let n = 20, m = 2
        let g = spd(n: n, rows: 5, shift: 0, seed: 9)
        let c = randomFloats(n * m, seed: 10).map(Double.init)
        let (x, report) = try CholeskySolver.solve(g: g, c: c, n: n, m: m)
        XCTAssertTrue(report.usedFallback)
        var trace = 0.0
        for i in 0..<n { trace += g[i * n + i] }
        XCTAssertGreaterThanOrEqual(report.ridge, 1e-8 * trace / Double(n) * (1 - 1e-12))
        XCTAssertLessThanOrEqual(report.ridge, 1e-2 * trace / Double(n) * (1 + 1e-12))
        // The returned X solves the ridged system it reports.
        XCTAssertLessThan(relativeError(multiply(g, x, n: n, m: m, ridge: report.ridge), c), 1e-6)
    }

    func testIllConditionedMatrixTakesRidgeFallback() throws {
        // Positive definite but κ = 1e14 > maxCondition (1e12): factorisation succeeds, the estimate rejects it.
        let g: [Double] = [1, 0, 0, 1e-14]
        let (_, report) = try CholeskySolver.solve(g: g, c: [1, 1], n: 2, m: 1)
        XCTAssertTrue(report.usedFallback)
        XCTAssertLessThanOrEqual(report.conditionEstimate, 1e12)
        let (_, strict) = try CholeskySolver.solve(g: g, c: [1, 1], n: 2, m: 1, maxCondition: 1e15)
        XCTAssertFalse(strict.usedFallback)
        XCTAssertEqual(strict.conditionEstimate, 1e14, accuracy: 1e8)
    }

    func testBadInputsThrowSpecificErrors() {
        XCTAssertThrowsError(try CholeskySolver.solve(g: [1, .nan, .nan, 1], c: [1, 1], n: 2, m: 1)) { error in
            guard case SolverError.notFinite(let what) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(what.contains("G[0, 1]"), what)
        }
        XCTAssertThrowsError(try CholeskySolver.solve(g: [1, 0, 0, 1], c: [1, .infinity], n: 2, m: 1)) { error in
            guard case SolverError.notFinite(let what) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(what.contains("C[1, 0]"), what)
        }
        XCTAssertThrowsError(try CholeskySolver.solve(g: [0, 0, 0, 0], c: [1, 1], n: 2, m: 1)) { error in
            guard case SolverError.singular = error else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try CholeskySolver.solve(g: [1, 0, 0], c: [1, 1], n: 2, m: 1)) { error in
            guard case SolverError.badShape = error else { return XCTFail("\(error)") }
        }
        // A negative-definite direction cannot be fixed by a small ridge: reported as singular.
        XCTAssertThrowsError(try CholeskySolver.solve(g: [2, 0, 0, -1], c: [1, 1], n: 2, m: 1)) { error in
            guard case SolverError.singular(let what) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(what.contains("exhausted"), what)
        }
    }
}
