/// Float64 statistics for least-squares solves, from Float32 rows.
///
/// PLACEHOLDER IMPLEMENTATION (naive) — replaced by the blocked parallel version; signatures are the contract.
public enum Gram64 {
    /// `G += Xᵀ·X` accumulated in Float64.
    /// X: [R, K] Float32 row-major with stride `ldx ≥ K`; G: [K, K] Float64 row-major (full, symmetric).
    public static func accumulateXtX(
        rows: Int, cols: Int, x: UnsafePointer<Float>, ldx: Int, g: UnsafeMutablePointer<Double>
    ) {
        ReferenceKernels.accumulateXtY(rows: rows, kx: cols, ny: cols, x: x, ldx: ldx, y: x, ldy: ldx, c: g)
    }

    /// `C += Xᵀ·Y` accumulated in Float64.
    /// X: [R, KX] stride `ldx`; Y: [R, NY] stride `ldy`; C: [KX, NY] Float64 row-major.
    public static func accumulateXtY(
        rows: Int, kx: Int, ny: Int,
        x: UnsafePointer<Float>, ldx: Int,
        y: UnsafePointer<Float>, ldy: Int,
        c: UnsafeMutablePointer<Double>
    ) {
        ReferenceKernels.accumulateXtY(rows: rows, kx: kx, ny: ny, x: x, ldx: ldx, y: y, ldy: ldy, c: c)
    }
}
