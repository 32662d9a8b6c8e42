import TensorCore

/// Solves the span's least-squares problem from accumulated statistics.
///
///     (G + αI)·T = C          (Cholesky in Float64 through `CholeskySolver`; no inverse is formed)
///
/// α is `--ridge` (default 0, as the reference: a plain least-squares solve); when G + αI is not numerically
/// positive definite the tensor core's documented fallback raises α and says so in `SolveReport`.
/// The fit is judged on the calibration rows without revisiting them, from the same statistics:
///
///     ‖X·T − Z‖²_F = tr(Tᵀ·G·T) − 2·tr(Tᵀ·C) + ‖Z‖²_F       (and with T = I: tr G − 2·tr C + ‖Z‖²_F)
public enum TransformSolver {
    public static func solve(_ stats: LeastSquaresAccumulator, ridge: Double, layer: Int) throws -> LinearTransform {
        try stats.checkFinite(layer: layer)
        let d = stats.width
        let solved: (x: [Double], report: SolveReport)
        do {
            solved = try CholeskySolver.solve(g: stats.gram, c: stats.cross, n: d, m: d, ridge: ridge)
        } catch SolverError.notFinite(let what) {
            throw PruningError.nonFinite(statistic: "least-squares solve (\(what))", layer: layer)
        } catch {
            throw PruningError.singularGram(layer: layer, reason: "\(error)")
        }
        let t = solved.x
        guard t.allSatisfy(\.isFinite) else { throw PruningError.nonFinite(statistic: "transform T", layer: layer) }
        let ss = squaredResidual(t: t, stats: stats)
        let ssI = identitySquaredResidual(stats: stats)
        func rel(_ num: Double, _ den: Double) -> Double { den > 0 ? (max(num, 0) / den).squareRoot() : 0 }
        return LinearTransform(
            matrix: t, width: d, solve: solved.report,
            relativeResidual: rel(ss, stats.targetEnergy),
            identityRelativeResidual: rel(ssI, stats.targetEnergy),
            streamRelativeError: rel(ss, stats.streamEnergy),
            identityStreamRelativeError: rel(ssI, stats.streamEnergy))
    }

    /// tr(Tᵀ·G·T) − 2·tr(Tᵀ·C) + ‖Z‖²: the squared residual of T on the accumulated rows.
    static func squaredResidual(t: [Double], stats: LeastSquaresAccumulator) -> Double {
        let d = stats.width
        let g = stats.gram, c = stats.cross
        var gt = [Double](repeating: 0, count: d * d)   // gt: [D, D] = G·T
        for i in 0..<d {
            for k in 0..<d {
                let gik = g[i * d + k]
                if gik == 0 { continue }
                for j in 0..<d { gt[i * d + j] += gik * t[k * d + j] }
            }
        }
        var quad = 0.0, lin = 0.0
        for i in 0..<(d * d) {
            quad += t[i] * gt[i]
            lin += t[i] * c[i]
        }
        return quad - 2 * lin + stats.targetEnergy
    }

    /// tr G − 2·tr C + ‖Z‖²: the squared residual of T = I (dropping the span).
    static func identitySquaredResidual(stats: LeastSquaresAccumulator) -> Double {
        let d = stats.width
        var trG = 0.0, trC = 0.0
        for i in 0..<d { trG += stats.gram[i * d + i]; trC += stats.cross[i * d + i] }
        return trG - 2 * trC + stats.targetEnergy
    }
}
