import Foundation

/// Float64 sums over Float32 activations, for the statistics of magnitude compensation: chunked across threads,
/// partial sums combined in chunk order, so a result does not depend on timing. Twins: `ReferenceKernels.dot`
/// `ReferenceKernels.absColumnSums` and `ReferenceKernels.absRowSums` (index order; they differ from these only in
/// summation order).
public enum Statistics64 {
    /// Σ x[i]·y[i] over [count], accumulated in Float64.
    public static func dot(count: Int, x: UnsafePointer<Float>, y: UnsafePointer<Float>,
                           threads: Int = Parallel.defaultThreads) -> Double {
        guard count > 0 else { return 0 }
        let chunks = Parallel.split(count, parts: max(1, min(64, count / 16_384)), granule: 16_384)
        let partial = UnsafeMutablePointer<Double>.allocate(capacity: chunks.count)   // [chunk]
        defer { partial.deallocate() }
        let sx = SharedPointer(x), sy = SharedPointer(y), sp = DisjointPointer(partial)
        Parallel.forEach(chunks.count, threads: threads) { c in
            var acc = SIMD4<Double>()
            var i = chunks[c].lowerBound
            let end = chunks[c].upperBound
            while i + 4 <= end {
                let a = SIMD4<Double>(UnsafeRawPointer(sx.base + i).loadUnaligned(as: SIMD4<Float>.self))
                let b = SIMD4<Double>(UnsafeRawPointer(sy.base + i).loadUnaligned(as: SIMD4<Float>.self))
                acc += a * b
                i += 4
            }
            var s = acc.sum()
            while i < end { s += Double(sx.base[i]) * Double(sy.base[i]); i += 1 }
            sp.base[c] = s
        }
        var total = 0.0
        for c in chunks.indices { total += partial[c] }
        return total
    }

    /// sums[c] += Σ_r |x[r, c]| for c < cols; x: [rows, cols] Float32 row-major with stride `ldx ≥ cols`;
    /// sums: [cols] Float64. Columns are split across threads.
    public static func accumulateAbsColumnSums(rows: Int, cols: Int, x: UnsafePointer<Float>, ldx: Int,
                                               sums: UnsafeMutablePointer<Double>, threads: Int = Parallel.defaultThreads) {
        guard rows > 0, cols > 0 else { return }
        let ranges = Parallel.split(cols, parts: rows * cols < 1 << 16 ? 1 : threads, granule: 16)
        let sx = SharedPointer(x), ss = DisjointPointer(sums)
        Parallel.forEach(ranges.count, threads: threads) { t in
            // Rows outer (contiguous reads), this thread's columns inner, into a local Float64 accumulator.
            let r = ranges[t], width = r.count
            let acc = UnsafeMutablePointer<Double>.allocate(capacity: width)   // [width]
            acc.initialize(repeating: 0, count: width)
            defer { acc.deallocate() }
            for row in 0..<rows {
                let base = sx.base + row * ldx + r.lowerBound
                var j = 0
                while j + 4 <= width {
                    let v = UnsafeRawPointer(base + j).loadUnaligned(as: SIMD4<Float>.self)
                    let a = SIMD4<Double>(v.replacing(with: -v, where: v .< 0))
                    UnsafeMutableRawPointer(acc + j).storeBytes(of: UnsafeRawPointer(acc + j).loadUnaligned(as: SIMD4<Double>.self) + a,
                                                                as: SIMD4<Double>.self)
                    j += 4
                }
                while j < width { acc[j] += Double(abs(base[j])); j += 1 }
            }
            for j in 0..<width { ss.base[r.lowerBound + j] += acc[j] }
        }
    }
}

extension Statistics64 {
    /// sums[r] = Σ_c |x[r, c]| (the L1 norm of each row, in Float64); x: [rows, cols] Float32 row-major; sums: [rows].
    /// Rows are split across threads; within a row, four lanes are summed, then combined.
    public static func absRowSums(rows: Int, cols: Int, x: UnsafePointer<Float>, sums: UnsafeMutablePointer<Double>,
                                  threads: Int = Parallel.defaultThreads) {
        guard rows > 0 else { return }
        let ranges = Parallel.split(rows, parts: rows * cols < 1 << 16 ? 1 : threads, granule: 1)
        let sx = SharedPointer(x), ss = DisjointPointer(sums)
        Parallel.forEach(ranges.count, threads: threads) { t in
            for r in ranges[t] {
                let base = sx.base + r * cols
                var acc = SIMD4<Double>()
                var j = 0
                while j + 4 <= cols {
                    let v = UnsafeRawPointer(base + j).loadUnaligned(as: SIMD4<Float>.self)
                    acc += SIMD4<Double>(v.replacing(with: -v, where: v .< 0))
                    j += 4
                }
                var s = acc.sum()
                while j < cols { s += Double(abs(base[j])); j += 1 }
                ss.base[r] = s
            }
        }
    }
}

extension Statistics64 {
    /// (S, A) = (Σ_i e_i, Σ_i e_i·(y[i] − z[i])) with e_i = exp(y[i] − shift), in Float64: the reference-weighted
    /// sums of a KL divergence over one vocabulary chunk (`KLDivergenceAccumulator`). y, z: [count].
    public static func weightedExpDifference(count: Int, y: UnsafePointer<Float>, z: UnsafePointer<Float>, shift: Float) -> (Double, Double) {
        var s = 0.0, a = 0.0
        for i in 0..<count {
            let e = exp(Double(y[i] - shift))
            s += e
            a += e * Double(y[i] - z[i])
        }
        return (s, a)
    }
}

extension ReferenceKernels {
    /// sums[r] = Σ_c |x[r, c]|, columns in order (twin of `Statistics64.absRowSums`).
    public static func absRowSums(rows: Int, cols: Int, x: UnsafePointer<Float>, sums: UnsafeMutablePointer<Double>) {
        for r in 0..<rows {
            var s = 0.0
            for c in 0..<cols { s += Double(abs(x[r * cols + c])) }
            sums[r] = s
        }
    }
}

extension ReferenceKernels {
    /// sums[c] += Σ_r |x[r, c]|, rows in order (twin of `Statistics64.accumulateAbsColumnSums`).
    public static func absColumnSums(rows: Int, cols: Int, x: UnsafePointer<Float>, ldx: Int, sums: UnsafeMutablePointer<Double>) {
        for c in 0..<cols {
            var s = 0.0
            for r in 0..<rows { s += Double(abs(x[r * ldx + c])) }
            sums[c] += s
        }
    }
}
