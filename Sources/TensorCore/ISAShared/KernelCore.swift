// Shared ISA source (see PanelSource.swift): the entry points each ISA module exports. TensorCore calls them
// as `TensorCoreAVX2.KernelCore.…`, `TensorCoreAVX512.KernelCore.…` or its own `KernelCore.…` (generic).
// Every entry is `@inline(never)` so its body is compiled only with its own module's target CPU.

package enum KernelCore {
    /// Float32 lanes per vector on this path (the micro-kernel tile is 6 × 2·lanes).
    package static var floatLanes: Int { FloatVector.scalarCount }

    /// C[m, n] (=|+=) A[m, k]·B[n, k]ᵀ, Float32, single thread. Strides lda, ldb, ldc in elements.
    @inline(never)
    package static func sgemm(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int,
                              b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>, ldc: Int,
                              accumulate: Bool) {
        PackedGemm.run(FloatVector.self, m: m, n: n, k: k, a: RowMajorSource(a, ld: lda),
                       b: RowMajorSource(b, ld: ldb), c: c, ldc: ldc, alpha: 1, accumulate: accumulate)
    }

    /// C[m, n] (=|+=) alpha·A·Bᵀ, Float64, single thread. A is [m, k] (stride lda), or stored as [k, m] when
    /// `transA`; B is [n, k] (stride ldb), or stored as [k, n] when `transB`.
    @inline(never)
    package static func dgemm(m: Int, n: Int, k: Int, a: UnsafePointer<Double>, lda: Int, transA: Bool,
                              b: UnsafePointer<Double>, ldb: Int, transB: Bool, c: UnsafeMutablePointer<Double>,
                              ldc: Int, alpha: Double, accumulate: Bool) {
        switch (transA, transB) {
        case (false, false):
            PackedGemm.run(DoubleVector.self, m: m, n: n, k: k, a: RowMajorSource(a, ld: lda),
                           b: RowMajorSource(b, ld: ldb), c: c, ldc: ldc, alpha: alpha, accumulate: accumulate)
        case (false, true):
            PackedGemm.run(DoubleVector.self, m: m, n: n, k: k, a: RowMajorSource(a, ld: lda),
                           b: TransposedSource<Double, Double>(b, ld: ldb), c: c, ldc: ldc, alpha: alpha, accumulate: accumulate)
        case (true, false):
            PackedGemm.run(DoubleVector.self, m: m, n: n, k: k, a: TransposedSource<Double, Double>(a, ld: lda),
                           b: RowMajorSource(b, ld: ldb), c: c, ldc: ldc, alpha: alpha, accumulate: accumulate)
        case (true, true):
            PackedGemm.run(DoubleVector.self, m: m, n: n, k: k, a: TransposedSource<Double, Double>(a, ld: lda),
                           b: TransposedSource<Double, Double>(b, ld: ldb), c: c, ldc: ldc, alpha: alpha, accumulate: accumulate)
        }
    }

    /// C[kx, ny] += X[r, kx]ᵀ·Y[r, ny], Float32 inputs widened to Float64, single thread.
    @inline(never)
    package static func gramXtY(rows: Int, kx: Int, ny: Int, x: UnsafePointer<Float>, ldx: Int,
                                y: UnsafePointer<Float>, ldy: Int, c: UnsafeMutablePointer<Double>, ldc: Int) {
        PackedGemm.run(DoubleVector.self, m: kx, n: ny, k: rows, a: TransposedSource<Float, Double>(x, ld: ldx),
                       b: TransposedSource<Float, Double>(y, ld: ldy), c: c, ldc: ldc, alpha: 1, accumulate: true)
    }

    /// Few-row product C[m, n] (=|+=) A[m, k]·B[n, k]ᵀ without packing (for m ≲ 8, where the product is bound
    /// by streaming B): dot products of up to 2 rows of A with 4 rows of B at a time, vectorised along k.
    @inline(never)
    package static func sgemmFewRows(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int,
                                     b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>, ldc: Int,
                                     accumulate: Bool) {
        DotGemm.run(FloatVector.self, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc,
                    accumulate: accumulate)
    }
}
