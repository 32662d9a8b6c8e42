import XCTest
@testable import TensorCore

final class GemmTests: XCTestCase {
    /// Runs sgemm on `path` with padded strides and compares with the Float64 reference.
    func check(_ path: KernelPath, m: Int, n: Int, k: Int, accumulate: Bool, threads: Int = 1,
               pad: Int = 3, seed: UInt64, file: StaticString = #filePath, line: UInt = #line) {
        let lda = k + pad, ldb = k + 2 * pad, ldc = n + pad
        let a = randomFloats(m * lda, seed: seed)          // A: [m, k] in [m, lda]
        let b = randomFloats(n * ldb, seed: seed + 1)      // B: [n, k] in [n, ldb]
        var c = randomFloats(m * ldc, seed: seed + 2)      // C: [m, n] in [m, ldc]
        let ref = referenceGemm(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c0: accumulate ? c : nil, ldc: ldc)
        let guardValue = c[ldc - 1]
        Gemm.sgemm(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: &c, ldc: ldc, accumulate: accumulate,
                   threads: threads, path: path)
        var dense = [Float]()
        for i in 0..<m { dense += c[(i * ldc)..<(i * ldc + n)] }
        let err = relativeError(dense, ref)
        XCTAssertLessThan(err, 2e-6, "\(path) m=\(m) n=\(n) k=\(k) acc=\(accumulate) threads=\(threads)",
                          file: file, line: line)
        if pad > 0 { XCTAssertEqual(c[ldc - 1], guardValue, "wrote past n in the stride padding", file: file, line: line) }
    }

    func testAwkwardShapesEveryPath() {
        for path in KernelPath.supported {
            var seed: UInt64 = 1
            for m in awkwardSizes {
                for n in [1, 16, 33, 129] {
                    for k in [1, 7, 65] {
                        check(path, m: m, n: n, k: k, accumulate: seed % 2 == 0, seed: seed)
                        seed += 3
                    }
                }
            }
        }
    }

    func testPrimeShapesAndLargeK() {
        for path in KernelPath.supported {
            let p = primesUpTo257
            for i in stride(from: 0, to: p.count, by: 4) {
                check(path, m: p[i], n: p[(i + 7) % p.count], k: p[(i + 3) % p.count], accumulate: i % 8 == 4,
                      seed: UInt64(100 + i))
            }
            check(path, m: 257, n: 251, k: 19, accumulate: false, seed: 99)
            // K larger than one cache block (kc = 256 for Float32 AVX2) and not a multiple of it.
            check(path, m: 13, n: 37, k: 1100, accumulate: false, seed: 7)
            check(path, m: 3, n: 37, k: 2053, accumulate: true, seed: 8)
        }
    }

    func testFewRowKernelAwkwardShapes() {
        for path in KernelPath.supported {
            for m in 1...Gemm.fewRows {
                for (n, k) in [(1, 1), (3, 9), (5, 17), (31, 33), (65, 257)] {
                    check(path, m: m, n: n, k: k, accumulate: m % 2 == 0, seed: UInt64(m * 31 + n))
                }
            }
        }
    }

    func testTwoThreadsMatchOneThread() {
        for path in KernelPath.supported {
            for (m, n, k) in [(130, 70, 90), (70, 200, 50), (5, 300, 64)] {
                let a = randomFloats(m * k, seed: 11), b = randomFloats(n * k, seed: 12)
                var c1 = [Float](repeating: 0, count: m * n), c2 = c1
                Gemm.sgemm(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: k, c: &c1, ldc: n, threads: 1, path: path)
                Gemm.sgemm(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: k, c: &c2, ldc: n, threads: 2, path: path)
                XCTAssertLessThan(relativeError(c2, c1.map(Double.init)), 1e-7, "\(path) \(m)x\(n)x\(k)")
                check(path, m: m, n: n, k: k, accumulate: true, threads: 2, seed: 13)
            }
        }
    }

    func testZeroK() {
        var c = [Float](repeating: 5, count: 6)
        let a = [Float](), b = [Float]()
        Gemm.sgemm(m: 2, n: 3, k: 0, a: a, lda: 0, b: b, ldb: 0, c: &c, ldc: 3, accumulate: true)
        XCTAssertEqual(c, [Float](repeating: 5, count: 6))
        Gemm.sgemm(m: 2, n: 3, k: 0, a: a, lda: 0, b: b, ldb: 0, c: &c, ldc: 3)
        XCTAssertEqual(c, [Float](repeating: 0, count: 6))
    }

    func testMatmulTransposed() {
        let a = randomFloats(5 * 9, seed: 3), b = randomFloats(4 * 9, seed: 4)
        let c = Gemm.matmulTransposed(a, b, m: 5, n: 4, k: 9)
        XCTAssertLessThan(relativeError(c, referenceGemm(m: 5, n: 4, k: 9, a: a, lda: 9, b: b, ldb: 9, c0: nil, ldc: 4)), 1e-6)
    }
}
