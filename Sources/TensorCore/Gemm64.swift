/// Float64 matrix multiply `C = alpha·A·Bᵀ (+ C)`, the same packed, blocked, ISA-dispatched product as `Gemm`
/// in double precision (micro-tile 6×8 on AVX2, 6×16 on AVX-512). Used by the Cholesky solver.
/// A: [M, K] stride lda, or stored as [K, M] when `transA`; B: [N, K] stride ldb, or stored as [K, N] when
/// `transB` (so `transB` gives the plain product A·B of a row-major B); C: [M, N] stride ldc; all row-major.
public enum Gemm64 {
    public static func dgemm(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Double>, lda: Int, transA: Bool = false,
        b: UnsafePointer<Double>, ldb: Int, transB: Bool = false,
        c: UnsafeMutablePointer<Double>, ldc: Int,
        alpha: Double = 1, accumulate: Bool = false,
        threads: Int = Parallel.defaultThreads, path: KernelPath = .active
    ) {
        if m <= 0 || n <= 0 { return }
        let workers = 2.0 * Double(m) * Double(n) * Double(k) < 2e6 ? 1 : max(1, threads)
        let splitN = n >= m
        let ranges = Parallel.split(splitN ? n : m, parts: workers, granule: splitN ? 32 : 6 * 8)
        let sa = SharedPointer(a), sb = SharedPointer(b), sc = DisjointPointer(c)
        let kernel = path.kernels.dgemm
        Parallel.forEach(ranges.count, threads: workers) { t in
            let r = ranges[t]
            if splitN {
                let pb = sb.base + (transB ? r.lowerBound : r.lowerBound * ldb)
                kernel(m, r.count, k, sa.base, lda, transA, pb, ldb, transB, sc.base + r.lowerBound, ldc,
                       alpha, accumulate)
            } else {
                let pa = sa.base + (transA ? r.lowerBound : r.lowerBound * lda)
                kernel(r.count, n, k, pa, lda, transA, sb.base, ldb, transB, sc.base + r.lowerBound * ldc, ldc,
                       alpha, accumulate)
            }
        }
    }
}
