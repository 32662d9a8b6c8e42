import XCTest
@testable import TensorCore

final class Gemm64Tests: XCTestCase {
    func testGramXtYEveryPathAwkwardShapes() {
        for path in KernelPath.supported {
            for (i, (r, kx, ny)) in [(1, 1, 1), (7, 3, 17), (33, 31, 65), (129, 17, 7), (257, 63, 33), (5, 129, 2)].enumerated() {
                let ldx = kx + 2, ldy = ny + 1
                let x = randomFloats(r * ldx, seed: UInt64(i)), y = randomFloats(r * ldy, seed: UInt64(50 + i))
                let c0 = randomFloats(kx * ny, seed: UInt64(90 + i)).map(Double.init)
                var c = c0, ref = c0
                for row in 0..<r {
                    for a in 0..<kx { for b in 0..<ny { ref[a * ny + b] += Double(x[row * ldx + a]) * Double(y[row * ldy + b]) } }
                }
                Gram64.accumulateXtY(rows: r, kx: kx, ny: ny, x: x, ldx: ldx, y: y, ldy: ldy, c: &c, threads: 2, path: path)
                XCTAssertLessThan(relativeError(c, ref), 1e-14, "\(path) r=\(r) kx=\(kx) ny=\(ny)")
            }
        }
    }

    func testGramXtXIsSymmetricAndMatches() {
        for path in KernelPath.supported {
            // 300 columns: five column blocks (the last partial) of the symmetric (upper-blocks-then-mirror) path;
            // G starts symmetric.
            for (r, k) in [(97, 41), (37, 300)] {
                let x = randomFloats(r * k, seed: 5)
                var g = [Double](repeating: 0, count: k * k)
                for i in 0..<k { for j in 0...i { let v = Double(i + j) / 7; g[i * k + j] = v; g[j * k + i] = v } }
                var ref = g
                Gram64.accumulateXtX(rows: r, cols: k, x: x, ldx: k, g: &g, threads: 2, path: path)
                ReferenceKernels.accumulateXtY(rows: r, kx: k, ny: k, x: x, ldx: k, y: x, ldy: k, c: &ref)
                XCTAssertLessThan(relativeError(g, ref), 1e-14, "\(path) r=\(r) k=\(k)")
                for i in 0..<k { for j in 0..<i where g[i * k + j] != g[j * k + i] { XCTFail("asymmetric at \(i),\(j)"); return } }
            }
        }
    }

    func testDgemmAlphaAccumulate() {
        for path in KernelPath.supported {
            for (m, n, k) in [(1, 1, 1), (7, 9, 300), (65, 33, 17), (13, 130, 129)] {
                let a = randomFloats(m * k, seed: 1).map(Double.init), b = randomFloats(n * k, seed: 2).map(Double.init)
                let c0 = randomFloats(m * n, seed: 3).map(Double.init)
                var c = c0, ref = c0
                for i in 0..<m { for j in 0..<n {
                    var s = 0.0
                    for p in 0..<k { s += a[i * k + p] * b[j * k + p] }
                    ref[i * n + j] -= s
                } }
                Gemm64.dgemm(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: k, c: &c, ldc: n, alpha: -1, accumulate: true,
                             threads: 2, path: path)
                XCTAssertLessThan(relativeError(c, ref), 1e-14, "\(path) \(m)x\(n)x\(k)")
            }
        }
    }

    func testDgemmTransposedOperands() {
        for path in KernelPath.supported {
            let (m, n, k) = (19, 35, 70)
            let a = randomFloats(m * k, seed: 21).map(Double.init), b = randomFloats(n * k, seed: 22).map(Double.init)
            var at = [Double](repeating: 0, count: k * m), bt = [Double](repeating: 0, count: k * n)
            for i in 0..<m { for p in 0..<k { at[p * m + i] = a[i * k + p] } }   // Aᵀ stored [k, m]
            for j in 0..<n { for p in 0..<k { bt[p * n + j] = b[j * k + p] } }   // Bᵀ stored [k, n]
            var ref = [Double](repeating: 0, count: m * n)
            Gemm64.dgemm(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: k, c: &ref, ldc: n, path: .generic)
            for (ta, tb) in [(false, true), (true, false), (true, true)] {
                var c = [Double](repeating: 0, count: m * n)
                Gemm64.dgemm(m: m, n: n, k: k, a: ta ? at : a, lda: ta ? m : k, transA: ta,
                             b: tb ? bt : b, ldb: tb ? n : k, transB: tb, c: &c, ldc: n, threads: 2, path: path)
                XCTAssertLessThan(relativeError(c, ref), 1e-14, "\(path) transA=\(ta) transB=\(tb)")
            }
        }
    }
}
