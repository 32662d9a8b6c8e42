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

    /// `transform` with `matrix` in place of its T, and the residuals of the new T judged on the same statistics.
    public static func judged(_ transform: LinearTransform, matrix: [Double], stats: LeastSquaresAccumulator) -> LinearTransform {
        var t = transform
        t.matrix = matrix
        let ss = squaredResidual(t: matrix, stats: stats)
        func rel(_ num: Double, _ den: Double) -> Double { den > 0 ? (max(num, 0) / den).squareRoot() : 0 }
        t.relativeResidual = rel(ss, stats.targetEnergy)
        t.streamRelativeError = rel(ss, stats.streamEnergy)
        return t
    }

    /// tr(Tᵀ·G·T) − 2·tr(Tᵀ·C) + ‖Z‖²: the squared residual of T on the accumulated rows.
    static func squaredResidual(t: [Double], stats: LeastSquaresAccumulator) -> Double {
        GramResidual.squared(t: t, g: stats.gram, c: stats.cross, targetEnergy: stats.targetEnergy, n: stats.width, m: stats.width)
    }

    /// tr G − 2·tr C + ‖Z‖²: the squared residual of T = I (dropping the span).
    static func identitySquaredResidual(stats: LeastSquaresAccumulator) -> Double {
        GramResidual.squaredIdentity(g: stats.gram, c: stats.cross, targetEnergy: stats.targetEnergy, n: stats.width)
    }
}
