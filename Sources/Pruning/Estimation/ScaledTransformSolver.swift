import TensorCore

/// Magnitude compensation jointly with ReplaceMe's transform (`--compensate scale`), in closed form.
///
/// With R = Y_{s−1} (the kept block's post-attention stream), X = M_{s−1} (its MLP output) and Z = L_end − R, the
/// stream after the kept block becomes s·R + X·T' and is fitted to L_end = R + Z:
///
///     min_{s,T'} ‖R + Z − s·R − X·T'‖²_F  =  min_{a,T'} ‖Z − a·R − X·T'‖²_F,   a = s − 1.
///
/// For a fixed a, T' = G⁻¹(C − a·B) (G = XᵀX + αI, C = XᵀZ, B = XᵀR). Substituting, with T₀ = G⁻¹C and U = G⁻¹B
/// (one Cholesky factor, both right-hand sides at once):
///
///     a* = (⟨R, Z⟩ − tr(Bᵀ·T₀)) / (‖R‖² − tr(Bᵀ·U)),     T' = T₀ − a*·U,     s = 1 + a*
///
/// (numerator and denominator are ⟨P⊥R, P⊥Z⟩ and ‖P⊥R‖² with P⊥ = I − X·G⁻¹·Xᵀ: the scalar is the regression of
/// what T cannot reach on what it cannot reach of R). The residual is the exact quadratic form
/// ‖Z − a*R‖² − 2·tr(T'ᵀ(C − a*B)) + tr(T'ᵀ·G·T') (`GramResidual`), with ‖Z − aR‖² = ‖Z‖² − 2a⟨R,Z⟩ + a²‖R‖².
///
/// The fold (`ModelEdit.removing(scales:)`): scaling the whole prefix by s (Prune&Comp: the embedding and every
/// earlier o_proj/down_proj) is, because every sub-block reads its input through an RMSNorm, the same function as
/// leaving the prefix alone and dividing what every layer after the span writes by s (the suffix then carries the
/// stream ÷ s, and the final RMSNorm removes the factor before the head). The latter is what is written: the kept
/// block's down_proj absorbs T'/s and every later layer gets residual scale 1/s; no embedding, head or final norm
/// changes, tied or not. The two differ only through RMSNorm's ε (relative ε/mean(h²), ~1e-5 or less).
///
/// Only s > 0 is the same function on both sides (RMSNorm(−h) = −RMSNorm(h), but the MLP is not odd). When the
/// joint optimum is not positive (measured on SmolLM2: the attention-sink rows, which carry most of the energy,
/// can pull it below 0), compensation is refused for the span: T is plain least squares (s = 1) and
/// `rejectedScale` records the optimum that was refused.
public enum ScaledTransformSolver {
    public static func solve(_ stats: LeastSquaresAccumulator, ridge: Double, layer: Int) throws -> LinearTransform {
        try stats.checkFinite(layer: layer)
        guard let b = stats.residualCross else {
            preconditionFailure("scale compensation needs statistics accumulated withResidual")
        }
        let d = stats.width
        // [C | B]: [D, 2D] row-major, solved against one factor of G + αI.
        var rhs = [Double](repeating: 0, count: d * 2 * d)
        for i in 0..<d {
            for j in 0..<d { rhs[i * 2 * d + j] = stats.cross[i * d + j]; rhs[i * 2 * d + d + j] = b[i * d + j] }
        }
        let solved: (x: [Double], report: SolveReport)
        do {
            solved = try CholeskySolver.solve(g: stats.gram, c: rhs, n: d, m: 2 * d, ridge: ridge)
        } catch SolverError.notFinite(let what) {
            throw PruningError.nonFinite(statistic: "scaled least-squares solve (\(what))", layer: layer)
        } catch {
            throw PruningError.singularGram(layer: layer, reason: "\(error)")
        }
        var t0 = [Double](repeating: 0, count: d * d), u = t0
        for i in 0..<d {
            for j in 0..<d { t0[i * d + j] = solved.x[i * 2 * d + j]; u[i * d + j] = solved.x[i * 2 * d + d + j] }
        }
        var trBT0 = 0.0, trBU = 0.0
        for i in 0..<(d * d) { trBT0 += b[i] * t0[i]; trBU += b[i] * u[i] }
        let denominator = stats.residualEnergy - trBU
        guard denominator > 0, denominator.isFinite else {
            throw PruningError.singularGram(layer: layer, reason: "the kept block's stream lies in the span of its MLP output (‖P⊥R‖² = \(denominator)); no scale can be fitted")
        }
        let a = (stats.residualTarget - trBT0) / denominator
        let s = 1 + a
        guard s.isFinite else { throw PruningError.nonFinite(statistic: "compensation scale s = \(s)", layer: layer) }
        guard s > 0 else {
            var plain = try TransformSolver.solve(stats, ridge: ridge, layer: layer)
            plain.rejectedScale = s
            return plain
        }
        var t = [Double](repeating: 0, count: d * d), target = t
        for i in 0..<(d * d) { t[i] = t0[i] - a * u[i]; target[i] = stats.cross[i] - a * b[i] }
        let wEnergy = stats.targetEnergy - 2 * a * stats.residualTarget + a * a * stats.residualEnergy
        let ss = GramResidual.squared(t: t, g: stats.gram, c: target, targetEnergy: wEnergy, n: d, m: d)
        let ssI = TransformSolver.identitySquaredResidual(stats: stats)
        func rel(_ num: Double, _ den: Double) -> Double { den > 0 ? (max(num, 0) / den).squareRoot() : 0 }
        return LinearTransform(
            matrix: t.map { $0 / s }, width: d, solve: solved.report,
            relativeResidual: rel(ss, stats.targetEnergy), identityRelativeResidual: rel(ssI, stats.targetEnergy),
            streamRelativeError: rel(ss, stats.streamEnergy), identityStreamRelativeError: rel(ssI, stats.streamEnergy),
            scale: s)
    }
}
