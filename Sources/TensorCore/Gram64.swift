/// Float64 statistics for least-squares solves, from Float32 rows.
///
/// `C += Xᵀ·Y` is a product whose reduction runs over the rows of X and Y, so packing reads both row by row
/// and widens to Float64 on the way (see `TransposedSource`); the packed, blocked Float64 micro-kernel of
/// `Gemm64` does the rest, the output split across threads.
public enum Gram64 {
    /// Column-block width of the symmetric `XᵀX` accumulation: about 8 blocks per thread (so the triangle's
    /// uneven blocks balance across threads and the block diagonal wastes little), at least 64 columns, a multiple
    /// of 32. Measured at K = 576, 8192 rows, 2 threads: 64 → 0.040 s, 128 → 0.043 s, 256 → 0.052 s.
    static func symmetricBlock(cols: Int, threads: Int) -> Int {
        max(64, (cols / (8 * max(1, threads)) + 31) / 32 * 32)
    }

    /// `G += Xᵀ·X` accumulated in Float64.
    /// X: [R, K] Float32 row-major with stride `ldx ≥ K`; G: [K, K] Float64 row-major (full, symmetric).
    /// Only the blocks on and above the diagonal are computed (half the flops); the strictly lower triangle
    /// is then copied from the upper one, so G must be symmetric on entry (as every sum of XᵀX is).
    public static func accumulateXtX(
        rows: Int, cols: Int, x: UnsafePointer<Float>, ldx: Int, g: UnsafeMutablePointer<Double>,
        threads: Int = Parallel.defaultThreads, path: KernelPath = .active
    ) {
        if rows <= 0 || cols <= 0 { return }
        let wb = symmetricBlock(cols: cols, threads: threads)
        let blocks = (cols + wb - 1) / wb
        if blocks == 1 || threads <= 1 && 2.0 * Double(rows) * Double(cols) * Double(cols) < 2e6 {
            accumulateXtY(rows: rows, kx: cols, ny: cols, x: x, ldx: ldx, y: x, ldy: ldx, c: g, threads: threads, path: path)
            return
        }
        let kernel = path.kernels.gramXtY
        let sx = SharedPointer(x), sg = DisjointPointer(g)
        // Task b: G[0 ..< j1, j0 ..< j1] += X[:, 0 ..< j1]ᵀ · X[:, j0 ..< j1]; the largest (last) blocks first.
        Parallel.forEach(blocks, threads: threads) { t in
            let b = blocks - 1 - t
            let j0 = b * wb, j1 = min(cols, j0 + wb)
            kernel(rows, j1, j1 - j0, sx.base, ldx, sx.base + j0, ldx, sg.base + j0, cols)
        }
        // Mirror: G[i, j] = G[j, i] for j < i.
        let ranges = Parallel.split(cols, parts: threads, granule: 64)
        Parallel.forEach(ranges.count, threads: threads) { t in
            for i in ranges[t] { for j in 0..<i { sg.base[i * cols + j] = sg.base[j * cols + i] } }
        }
    }

    /// `C += Xᵀ·Y` accumulated in Float64.
    /// X: [R, KX] stride `ldx`; Y: [R, NY] stride `ldy`; C: [KX, NY] Float64 row-major.
    public static func accumulateXtY(
        rows: Int, kx: Int, ny: Int,
        x: UnsafePointer<Float>, ldx: Int,
        y: UnsafePointer<Float>, ldy: Int,
        c: UnsafeMutablePointer<Double>,
        threads: Int = Parallel.defaultThreads, path: KernelPath = .active
    ) {
        if rows <= 0 || kx <= 0 || ny <= 0 { return }
        let workers = 2.0 * Double(rows) * Double(kx) * Double(ny) < 2e6 ? 1 : max(1, threads)
        let splitN = ny >= kx
        let ranges = Parallel.split(splitN ? ny : kx, parts: workers, granule: splitN ? 32 : 6 * 8)
        let sx = SharedPointer(x), sy = SharedPointer(y), sc = DisjointPointer(c)
        let kernel = path.kernels.gramXtY
        Parallel.forEach(ranges.count, threads: workers) { t in
            let r = ranges[t]
            if splitN {
                kernel(rows, kx, r.count, sx.base, ldx, sy.base + r.lowerBound, ldy, sc.base + r.lowerBound, ny)
            } else {
                kernel(rows, r.count, ny, sx.base + r.lowerBound, ldx, sy.base, ldy, sc.base + r.lowerBound * ny, ny)
            }
        }
    }
}
