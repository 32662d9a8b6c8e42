/// The squared residual of a least-squares fit from its sufficient statistics, without the rows:
///
///     ‖X·T − Z‖²_F = tr(Tᵀ·G·T) − 2·tr(Tᵀ·C) + ‖Z‖²_F,      G = XᵀX, C = XᵀZ   (all Float64)
///
/// with T: [N, M], G: [N, N], C: [N, M], row-major. G·T is one `Gemm64.dgemm`; the traces are Frobenius inner
/// products ⟨T, G·T⟩ and ⟨T, C⟩. `ReferenceKernels.gramResidual` is the plain twin.
public enum GramResidual {
    public static func squared(t: [Double], g: [Double], c: [Double], targetEnergy zz: Double, n: Int, m: Int,
                               path: KernelPath = .active) -> Double {
        let (quad, lin) = traces(t: t, g: g, c: c, n: n, m: m, path: path)
        return quad - 2 * lin + zz
    }

    /// (tr(Tᵀ·G·T), tr(Tᵀ·C)) = (‖X·T‖²_F, ⟨X·T, Z⟩_F): the two data terms of the residual. Their ratio is the
    /// scalar α minimising ‖α·X·T − Z‖²_F.
    public static func traces(t: [Double], g: [Double], c: [Double], n: Int, m: Int,
                              path: KernelPath = .active) -> (quadratic: Double, linear: Double) {
        precondition(t.count == n * m && g.count == n * n && c.count == n * m, "GramResidual: shapes")
        var gt = [Double](repeating: 0, count: n * m)   // gt: [N, M] = G·T
        g.withUnsafeBufferPointer { gp in
            t.withUnsafeBufferPointer { tp in
                gt.withUnsafeMutableBufferPointer { out in
                    Gemm64.dgemm(m: n, n: m, k: n, a: gp.baseAddress!, lda: n, b: tp.baseAddress!, ldb: m, transB: true,
                                 c: out.baseAddress!, ldc: m, path: path)
                }
            }
        }
        var quad = 0.0, lin = 0.0
        for i in 0..<(n * m) {
            quad += t[i] * gt[i]
            lin += t[i] * c[i]
        }
        return (quad, lin)
    }

    /// The same for T = I (N = M): tr G − 2·tr C + ‖Z‖²_F.
    public static func squaredIdentity(g: [Double], c: [Double], targetEnergy zz: Double, n: Int) -> Double {
        var trG = 0.0, trC = 0.0
        for i in 0..<n { trG += g[i * n + i]; trC += c[i * n + i] }
        return trG - 2 * trC + zz
    }
}
