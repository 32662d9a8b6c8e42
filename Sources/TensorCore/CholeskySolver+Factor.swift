/// Blocked right-looking Cholesky factorisation, in place, lower triangle, row-major.
extension CholeskySolver {
    struct PivotFailure { var index: Int; var pivot: Double }

    /// Overwrites the lower triangle of a: [n, n] with L (A = L·Lᵀ). Returns the first failing pivot, if any
    /// (not finite, or ≤ n·ε·maxDiag). The strict upper triangle is left as garbage.
    static func factor(_ a: UnsafeMutablePointer<Double>, n: Int, maxDiag: Double) -> PivotFailure? {
        let tiny = Double(n) * Double.ulpOfOne * maxDiag
        var j0 = 0
        while j0 < n {
            let jb = min(block, n - j0)
            // 1. Diagonal block: unblocked Cholesky (its trailing updates were applied already).
            for j in j0..<(j0 + jb) {
                let rj = a + j * n
                var d = rj[j]
                for p in j0..<j { d -= rj[p] * rj[p] }
                guard d.isFinite, d > tiny else { return PivotFailure(index: j, pivot: d) }
                let l = d.squareRoot()
                rj[j] = l
                for i in (j + 1)..<(j0 + jb) {
                    let ri = a + i * n
                    var s = ri[j]
                    for p in j0..<j { s -= ri[p] * rj[p] }
                    ri[j] = s / l
                }
            }
            let rest = j0 + jb
            if rest >= n { break }
            // 2. Panel: L21 = A21 · L11⁻ᵀ, row by row (rows independent), with U = L11ᵀ for contiguous updates.
            let u = UnsafeMutablePointer<Double>.allocate(capacity: jb * jb)  // U: [jb, jb], U[p][q] = L11[q][p]
            defer { u.deallocate() }
            for p in 0..<jb { for q in 0..<jb { u[p * jb + q] = q >= p ? a[(j0 + q) * n + j0 + p] : 0 } }
            let sa = DisjointPointer(a), su = SharedPointer(UnsafePointer(u))
            let ranges = Parallel.split(n - rest, parts: Parallel.defaultThreads * 4, granule: 16)
            Parallel.forEach(ranges.count) { t in
                for i in ranges[t] {
                    let row = sa.base + (rest + i) * n + j0
                    for q in 0..<jb {
                        let x = row[q] / su.base[q * jb + q]
                        row[q] = x
                        let uq = su.base + q * jb
                        for r in (q + 1)..<max(q + 1, jb) { row[r] -= x * uq[r] }
                    }
                }
            }
            // 3. Trailing update of the lower triangle: A22 −= L21·L21ᵀ, by row blocks (largest first, parallel).
            let rb = 256
            let rowBlocks = (n - rest + rb - 1) / rb
            let kernel = KernelPath.active.kernels.dgemm
            Parallel.forEach(rowBlocks) { t in
                let r0 = rest + (rowBlocks - 1 - t) * rb, r1 = min(n, r0 + rb)
                let l21 = UnsafePointer(sa.base)
                kernel(r1 - r0, r1 - rest, jb, l21 + r0 * n + j0, n, false, l21 + rest * n + j0, n, false,
                       sa.base + r0 * n + rest, n, -1, true)
            }
            j0 = rest
        }
        return nil
    }
}
