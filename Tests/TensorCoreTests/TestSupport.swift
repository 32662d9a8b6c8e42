import XCTest
import TestSupport
@testable import TensorCore

func randomFloats(_ count: Int, seed: UInt64, range: ClosedRange<Float> = -1...1) -> [Float] {
    var g = SeededGenerator(seed: seed)
    return (0..<count).map { _ in Float.random(in: range, using: &g) }
}

/// ‖x − y‖₂ / max(‖y‖₂, tiny): the normalised error used by every comparison.
func relativeError<S: BinaryFloatingPoint>(_ x: [S], _ y: [Double]) -> Double {
    precondition(x.count == y.count)
    var num = 0.0, den = 0.0
    for i in 0..<x.count {
        let d = Double(x[i]) - y[i]
        num += d * d
        den += y[i] * y[i]
    }
    return (num.squareRoot()) / max(den.squareRoot(), 1e-300)
}

/// Float64 reference of C[m,n] = A[m,k]·B[n,k]ᵀ (+ C0) with strides.
func referenceGemm(m: Int, n: Int, k: Int, a: [Float], lda: Int, b: [Float], ldb: Int,
                   c0: [Float]?, ldc: Int) -> [Double] {
    var c = [Double](repeating: 0, count: m * n)
    for i in 0..<m {
        for j in 0..<n {
            var s = 0.0
            for p in 0..<k { s += Double(a[i * lda + p]) * Double(b[j * ldb + p]) }
            c[i * n + j] = s + (c0.map { Double($0[i * ldc + j]) } ?? 0)
        }
    }
    return c
}

/// Awkward sizes of the issue: around the micro-tile (6×16, 6×32), cache blocks, and primes.
let awkwardSizes = [1, 2, 3, 7, 17, 31, 33, 63, 65, 127, 129]
let primesUpTo257 = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97,
                     101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167, 173, 179, 181, 191, 193,
                     197, 199, 211, 223, 227, 229, 233, 239, 241, 251, 257]
