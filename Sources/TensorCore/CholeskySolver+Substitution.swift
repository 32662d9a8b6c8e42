/// Blocked triangular solves with the Cholesky factor.
extension CholeskySolver {
    /// x ← (L·Lᵀ)⁻¹·x in place. l: [n, n] row-major, L in its lower triangle; x: [n, m].
    /// Forward L·Y = X then back Lᵀ·X = Y, by blocks of rows: the coupling to solved blocks is one GEMM
    /// per block, the diagonal block a row-oriented substitution (parallel over column ranges of x).
    static func solveFactored(_ l: UnsafePointer<Double>, n: Int, x: UnsafeMutablePointer<Double>, m: Int) {
        if m == 0 { return }
        let sl = SharedPointer(l), sx = DisjointPointer(x)
        let columns = Parallel.split(m, parts: m >= 64 ? Parallel.defaultThreads : 1, granule: 8)
        // Forward: Y_i = L_ii⁻¹ (X_i − L[i, <i]·Y[<i]).
        var i0 = 0
        while i0 < n {
            let ib = min(block, n - i0)
            if i0 > 0 {
                Gemm64.dgemm(m: ib, n: m, k: i0, a: l + i0 * n, lda: n, b: x, ldb: m, transB: true,
                             c: x + i0 * m, ldc: m, alpha: -1, accumulate: true)
            }
            Parallel.forEach(columns.count) { t in
                let cr = columns[t]
                for r in i0..<(i0 + ib) {
                    let row = sx.base + r * m
                    for p in i0..<r {
                        let f = sl.base[r * n + p], src = sx.base + p * m
                        for c in cr { row[c] -= f * src[c] }
                    }
                    let d = 1 / sl.base[r * n + r]
                    for c in cr { row[c] *= d }
                }
            }
            i0 += ib
        }
        // Back: X_i = L_iiᵀ⁻¹ (Y_i − L[>i, i]ᵀ·X[>i]).
        var end = n
        while end > 0 {
            let ib = (end - 1) % block + 1
            let s0 = end - ib
            if end < n {
                Gemm64.dgemm(m: ib, n: m, k: n - end, a: l + end * n + s0, lda: n, transA: true,
                             b: x + end * m, ldb: m, transB: true, c: x + s0 * m, ldc: m, alpha: -1, accumulate: true)
            }
            Parallel.forEach(columns.count) { t in
                let cr = columns[t]
                for r in stride(from: end - 1, through: s0, by: -1) {
                    let row = sx.base + r * m
                    let d = 1 / sl.base[r * n + r]
                    for c in cr { row[c] *= d }
                    for q in s0..<r {
                        let f = sl.base[r * n + q], dst = sx.base + q * m
                        for c in cr { dst[c] -= f * row[c] }
                    }
                }
            }
            end = s0
        }
    }

    /// Estimate of ‖A⁻¹‖₁ for A = L·Lᵀ (symmetric, so A⁻ᵀ = A⁻¹): Hager's power-like iteration on the 1-norm
    /// (at most 5 steps), with Higham's alternating-sign vector as a safeguard; each step is two solves.
    static func inverseOneNormEstimate(_ l: UnsafePointer<Double>, n: Int) -> Double {
        func applyInverse(_ v: [Double]) -> [Double] {
            var y = v
            y.withUnsafeMutableBufferPointer { solveFactored(l, n: n, x: $0.baseAddress!, m: 1) }
            return y
        }
        var x = [Double](repeating: 1 / Double(n), count: n)
        var estimate = 0.0
        var lastIndex = -1
        for step in 0..<5 {
            let y = applyInverse(x)
            var norm = 0.0
            for v in y { norm += abs(v) }
            if step > 0 && norm <= estimate { break }
            estimate = norm
            let signs: [Double] = y.map { $0 >= 0 ? 1.0 : -1.0 }
            let z = applyInverse(signs)
            var j = 0
            for i in 1..<max(1, n) where abs(z[i]) > abs(z[j]) { j = i }
            var ztx = 0.0
            for i in 0..<n { ztx += z[i] * x[i] }
            if step > 0 && (abs(z[j]) <= ztx || j == lastIndex) { break }
            lastIndex = j
            x = [Double](repeating: 0, count: n)
            x[j] = 1
        }
        // Higham: b_i = (−1)^i (1 + i/(n−1)); 2‖A⁻¹b‖₁ / (3n) is also a lower bound.
        var b = [Double](repeating: 0, count: n)
        let denominator = Double(max(n - 1, 1))
        for i in 0..<n {
            let magnitude: Double = 1 + Double(i) / denominator
            b[i] = i % 2 == 0 ? magnitude : -magnitude
        }
        let ab = applyInverse(b)
        var altNorm = 0.0
        for v in ab { altNorm += abs(v) }
        let alt = 2 * altNorm / (3 * Double(n))
        return max(estimate, alt)
    }
}
