/// Float64 matrix multiply `C = alpha·A·Bᵀ (+ C)`, the same packed, blocked, ISA-dispatched product as `Gemm`
/// in double precision (micro-tile 6×8 on AVX2, 6×16 on AVX-512). Used by the Cholesky trailing update.
/// A: [M, K] stride lda; B: [N, K] stride ldb; C: [M, N] stride ldc; all row-major.
public enum Gemm64 {
    public static func dgemm(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Double>, lda: Int,
        b: UnsafePointer<Double>, ldb: Int,
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
                kernel(m, r.count, k, sa.base, lda, sb.base + r.lowerBound * ldb, ldb, sc.base + r.lowerBound, ldc,
                       alpha, accumulate)
            } else {
                kernel(r.count, n, k, sa.base + r.lowerBound * lda, lda, sb.base, ldb, sc.base + r.lowerBound * ldc,
                       ldc, alpha, accumulate)
            }
        }
    }
}
