import TensorCore

/// The fitted map T that stands in for a span, with how well it fits.
///
/// Row convention: a row x (an MLP output) maps to x·T, so the kept block's MLP becomes x ↦ MLP(x)·T.
public struct LinearTransform: Sendable {
    /// T: [D, D] row-major Float64.
    public var matrix: [Double]
    public var width: Int
    /// What the Cholesky solve did (ridge actually used, fallback, condition estimate).
    public var solve: SolveReport
    /// ‖X·T − Z‖_F / ‖Z‖_F over the calibration rows (the regression's relative residual).
    public var relativeResidual: Double
    /// The same with T = I, i.e. plain removal of the span: ‖X − Z‖_F / ‖Z‖_F.
    public var identityRelativeResidual: Double
    /// ‖Y + X·T − L_end‖_F / ‖L_end‖_F: the error of the replaced span's output relative to the residual stream.
    public var streamRelativeError: Double
    /// The same with T = I.
    public var identityStreamRelativeError: Double
    /// s of magnitude compensation (`ScaledTransformSolver`): every layer after the span writes ÷ s, and `matrix`
    /// is already T'/s; nil without compensation.
    public var scale: Double?
    /// A joint optimum s ≤ 0 that compensation refused (T is then plain least squares); nil otherwise.
    public var rejectedScale: Double?
    /// What the cosine estimator did (`--estimator cosine`); nil for least squares.
    public var cosine: CosineTransformFitter.Report?

    public init(matrix: [Double], width: Int, solve: SolveReport, relativeResidual: Double, identityRelativeResidual: Double,
                streamRelativeError: Double, identityStreamRelativeError: Double, scale: Double? = nil) {
        self.matrix = matrix; self.width = width; self.solve = solve; self.relativeResidual = relativeResidual
        self.identityRelativeResidual = identityRelativeResidual; self.streamRelativeError = streamRelativeError
        self.identityStreamRelativeError = identityStreamRelativeError; self.scale = scale
    }

    /// The identity transform on D dimensions (used by `--method drop`, whose fold is skipped).
    public static func identity(width: Int) -> [Double] {
        var t = [Double](repeating: 0, count: width * width)
        for i in 0..<width { t[i * width + i] = 1 }
        return t
    }
}
