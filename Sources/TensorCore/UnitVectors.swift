/// Rows scaled to unit Euclidean length, for cosine similarities (the angular distances of pass 1): the norm is
/// accumulated in Float64 so a long row of Float32 values loses nothing to the sum. A row whose norm is zero or not
/// finite has no direction: the functions return nil / false and leave the caller to name the row.
public enum UnitVectors {
    /// row / ‖row‖ in Float64. row: [count].
    public static func unit64(_ row: UnsafePointer<Float>, count: Int) -> [Double]? {
        var v = [Double](repeating: 0, count: count)   // v: [count]
        var ss = 0.0
        for j in 0..<count { v[j] = Double(row[j]); ss += v[j] * v[j] }
        let norm = ss.squareRoot()
        guard norm.isFinite, norm > 0 else { return nil }
        for j in 0..<count { v[j] /= norm }
        return v
    }

    /// out[j] = Float32(row[j] / ‖row‖) with the norm in Float64. row, out: [count].
    public static func unit32(_ row: UnsafePointer<Float>, count: Int, into out: UnsafeMutablePointer<Float>) -> Bool {
        var ss = 0.0
        for j in 0..<count { ss += Double(row[j]) * Double(row[j]) }
        let norm = ss.squareRoot()
        guard norm.isFinite, norm > 0 else { return false }
        let inv = 1 / norm
        for j in 0..<count { out[j] = Float(Double(row[j]) * inv) }
        return true
    }

    /// Σ u[j]·v[j] in Float64 (cosine of two unit vectors). u, v: [count].
    public static func dot64(_ u: [Double], _ v: [Double]) -> Double {
        var dot = 0.0
        for j in 0..<min(u.count, v.count) { dot += u[j] * v[j] }
        return dot
    }
}
