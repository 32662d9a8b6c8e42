// Shared ISA source (see PanelSource.swift): unpacked dot-product GEMM for very few rows of A.

enum DotGemm {
    /// C[m, n] (=|+=) A[m, k]·B[n, k]ᵀ: blocks of 2 A rows × 4 B rows, 8 vector accumulators along k.
    @inline(__always)
    static func run<V: SIMD>(_: V.Type, m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int,
                             b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>, ldc: Int,
                             accumulate: Bool) where V.Scalar == Float {
        let w = V.scalarCount
        let kv = k / w * w
        var j = 0
        while j < n {
            let nb = min(4, n - j)
            // Rows past the end of B repeat the last one; their results are discarded.
            let b0 = UnsafeRawPointer(b + j * ldb)
            let b1 = UnsafeRawPointer(b + (j + min(1, nb - 1)) * ldb)
            let b2 = UnsafeRawPointer(b + (j + min(2, nb - 1)) * ldb)
            let b3 = UnsafeRawPointer(b + (j + min(3, nb - 1)) * ldb)
            var i = 0
            while i < m {
                let a0 = UnsafeRawPointer(a + i * lda)
                let a1 = UnsafeRawPointer(a + min(i + 1, m - 1) * lda)
                var s00 = V(), s01 = V(), s02 = V(), s03 = V(), s10 = V(), s11 = V(), s12 = V(), s13 = V()
                var off = 0
                let stepBytes = w * 4
                for _ in stride(from: 0, to: kv, by: w) {
                    let x0 = a0.loadUnaligned(fromByteOffset: off, as: V.self)
                    let x1 = a1.loadUnaligned(fromByteOffset: off, as: V.self)
                    var y = b0.loadUnaligned(fromByteOffset: off, as: V.self)
                    s00 = fmadd(s00, x0, y); s10 = fmadd(s10, x1, y)
                    y = b1.loadUnaligned(fromByteOffset: off, as: V.self)
                    s01 = fmadd(s01, x0, y); s11 = fmadd(s11, x1, y)
                    y = b2.loadUnaligned(fromByteOffset: off, as: V.self)
                    s02 = fmadd(s02, x0, y); s12 = fmadd(s12, x1, y)
                    y = b3.loadUnaligned(fromByteOffset: off, as: V.self)
                    s03 = fmadd(s03, x0, y); s13 = fmadd(s13, x1, y)
                    off += stepBytes
                }
                var r0: (Float, Float, Float, Float) = (s00.sum(), s01.sum(), s02.sum(), s03.sum())
                var r1: (Float, Float, Float, Float) = (s10.sum(), s11.sum(), s12.sum(), s13.sum())
                let pa0 = a + i * lda, pa1 = a + min(i + 1, m - 1) * lda
                let pb0 = b + j * ldb, pb1 = b + (j + min(1, nb - 1)) * ldb
                let pb2 = b + (j + min(2, nb - 1)) * ldb, pb3 = b + (j + min(3, nb - 1)) * ldb
                for p in kv..<k {
                    r0.0 += pa0[p] * pb0[p]; r0.1 += pa0[p] * pb1[p]; r0.2 += pa0[p] * pb2[p]; r0.3 += pa0[p] * pb3[p]
                    r1.0 += pa1[p] * pb0[p]; r1.1 += pa1[p] * pb1[p]; r1.2 += pa1[p] * pb2[p]; r1.3 += pa1[p] * pb3[p]
                }
                store(r0, c + i * ldc + j, count: nb, accumulate: accumulate)
                if i + 1 < m { store(r1, c + (i + 1) * ldc + j, count: nb, accumulate: accumulate) }
                i += 2
            }
            j += 4
        }
    }

    @inline(__always)
    static func store(_ r: (Float, Float, Float, Float), _ c: UnsafeMutablePointer<Float>, count: Int,
                      accumulate: Bool) {
        withUnsafeBytes(of: r) { raw in
            for t in 0..<count {
                let v = raw.load(fromByteOffset: 4 * t, as: Float.self)
                c[t] = accumulate ? c[t] + v : v
            }
        }
    }
}
