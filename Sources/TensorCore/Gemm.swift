/// Single-precision matrix multiply in the PyTorch weight layout.
///
/// Computes `C = A·Bᵀ` (or `C += A·Bᵀ` when `accumulate`), i.e. `C[i,j] = Σ_p A[i,p]·B[j,p]`.
/// Shapes (row-major, leading dimensions are row strides in elements):
///   A: [M, K] with stride `lda ≥ K`
///   B: [N, K] with stride `ldb ≥ K`  (a `Linear.weight` of shape [out, in] is exactly this B)
///   C: [M, N] with stride `ldc ≥ N`
///
/// Implementation: Goto/BLIS-style packing and L1/L2/L3 blocking with a 6 × 2-vector register micro-kernel
/// (6×16 on AVX2, 6×32 on AVX-512), compiled per instruction set and chosen at run time (`KernelPath`);
/// the output is split across `threads` workers along its larger dimension. Products with M ≤ 8 rows skip
/// packing (they are bound by streaming B) and run as blocked dot products.
public enum Gemm {
    /// Rows of A at or below which the unpacked dot-product kernel is used.
    static let fewRows = 8

    public static func sgemm(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int,
        accumulate: Bool = false,
        threads: Int = Parallel.defaultThreads,
        path: KernelPath = .active
    ) {
        if m <= 0 || n <= 0 { return }
        let flops = 2.0 * Double(m) * Double(n) * Double(k)
        let workers = flops < 4e6 ? 1 : max(1, threads)
        let few = m <= fewRows
        // Split the larger output dimension; granules keep micro-tiles whole.
        let splitN = few || n >= m
        let ranges = Parallel.split(splitN ? n : m, parts: workers, granule: splitN ? 64 : 6 * 8)
        let sa = SharedPointer(a), sb = SharedPointer(b), sc = DisjointPointer(c)
        Parallel.forEach(ranges.count, threads: workers) { t in
            let r = ranges[t]
            let (mi, ni) = splitN ? (m, r.count) : (r.count, n)
            let pa = splitN ? sa.base : sa.base + r.lowerBound * lda
            let pb = splitN ? sb.base + r.lowerBound * ldb : sb.base
            let pc = splitN ? sc.base + r.lowerBound : sc.base + r.lowerBound * ldc
            let kernel = few ? path.kernels.sgemmFewRows : path.kernels.sgemm
            kernel(mi, ni, k, pa, lda, pb, ldb, pc, ldc, accumulate)
        }
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
