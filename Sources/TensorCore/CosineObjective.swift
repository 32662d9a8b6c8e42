/// ReplaceMe's cosine objective over a batch of rows, and its analytic gradient, in Float64.
///
/// For predictions u_i and targets v_i (i < B, rows of D):
///
///     loss = 1 − (1/B)·Σ_i cos_i,        cos_i = u_i·v_i / (‖u_i‖·‖v_i‖)
///     ∂loss/∂u_i = −(1/B)·( v_i / (‖u_i‖·‖v_i‖) − cos_i · u_i / ‖u_i‖² )
///
/// (the reference's `1 − (XA/‖XA‖ · Y/‖Y‖).sum(1).mean()`, `ReplaceMe/utils.py`). A row with ‖u‖ = 0 or ‖v‖ = 0,
/// where the reference divides by zero, counts as cos = 0 with no gradient. The gradient with respect to T of
/// u_i = x_i·T (+ r_i) is then Xᵀ·(∂loss/∂U), one product the caller forms with `Gemm64`.
/// The loop is plain scalar code: its cost is O(B·D) beside the two O(B·D²) products of a step.
public enum CosineObjective {
    /// Writes ∂loss/∂U into `gradient` and returns Σ_i cos_i (loss = 1 − Σ/B).
    /// u, v, gradient: [B, D] row-major.
    public static func gradient(rows b: Int, width d: Int, u: UnsafePointer<Double>, v: UnsafePointer<Double>,
                                gradient g: UnsafeMutablePointer<Double>) -> Double {
        precondition(b > 0 && d > 0, "CosineObjective: empty batch")
        let inverseRows = 1 / Double(b)
        var sum = 0.0
        for i in 0..<b {
            let ui = u + i * d, vi = v + i * d, gi = g + i * d
            var uu = 0.0, vv = 0.0, uv = 0.0
            for j in 0..<d {
                uu += ui[j] * ui[j]; vv += vi[j] * vi[j]; uv += ui[j] * vi[j]
            }
            guard uu > 0, vv > 0 else {
                gi.update(repeating: 0, count: d)
                continue
            }
            let nu = uu.squareRoot(), nv = vv.squareRoot()
            let c = uv / (nu * nv)
            sum += c
            let a = -inverseRows / (nu * nv), bu = inverseRows * c / uu
            for j in 0..<d { gi[j] = a * vi[j] + bu * ui[j] }
        }
        return sum
    }

    /// Σ_i cos_i of a batch, without the gradient (the loss reported before and after a fit).
    public static func sum(rows b: Int, width d: Int, u: UnsafePointer<Double>, v: UnsafePointer<Double>) -> Double {
        var sum = 0.0
        for i in 0..<b {
            let ui = u + i * d, vi = v + i * d
            var uu = 0.0, vv = 0.0, uv = 0.0
            for j in 0..<d { uu += ui[j] * ui[j]; vv += vi[j] * vi[j]; uv += ui[j] * vi[j] }
            if uu > 0 && vv > 0 { sum += uv / (uu.squareRoot() * vv.squareRoot()) }
        }
        return sum
    }
}
