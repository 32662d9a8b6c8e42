/// Single-precision matrix multiply in the PyTorch weight layout.
///
/// Computes `C = A·Bᵀ` (or `C += A·Bᵀ` when `accumulate`), i.e. `C[i,j] = Σ_p A[i,p]·B[j,p]`.
/// Shapes (row-major, leading dimensions are row strides in elements):
///   A: [M, K] with stride `lda ≥ K`
///   B: [N, K] with stride `ldb ≥ K`  (a `Linear.weight` of shape [out, in] is exactly this B)
///   C: [M, N] with stride `ldc ≥ N`
///
/// PLACEHOLDER IMPLEMENTATION (naive, correct, slow) — the tensor-core issue replaces the body with the
/// packed, cache-blocked, ISA-dispatched parallel version; the signature is the contract other layers use.
public enum Gemm {
    public static func sgemm(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int,
        accumulate: Bool = false
    ) {
        ReferenceKernels.sgemm(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc, accumulate: accumulate)
    }

    /// Convenience on arrays: returns `A·Bᵀ` as a new [M, N] array. A: [M, K], B: [N, K], both dense.
    public static func matmulTransposed(_ a: [Float], _ b: [Float], m: Int, n: Int, k: Int) -> [Float] {
        precondition(a.count == m * k && b.count == n * k, "matmulTransposed: shape mismatch")
        var c = [Float](repeating: 0, count: m * n)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    sgemm(m: m, n: n, k: k, a: pa.baseAddress!, lda: k, b: pb.baseAddress!, ldb: k,
                          c: pc.baseAddress!, ldc: n)
                }
            }
        }
        return c
    }
}
