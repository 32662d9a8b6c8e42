/// The compensation stage: what restores the magnitude of the residual stream lost with a removed span
/// (Prune&Comp, arXiv 2507.18212), folded into the weights so the output stays a stock checkpoint.
public enum Compensation: String, Sendable, CaseIterable {
    /// Nothing beyond the estimator.
    case none
    /// A scalar s on the stream at the cut: with a transform, s and T jointly by least squares
    /// (`ScaledTransformSolver`); without one, Prune&Comp's ratio of mean magnitudes (`MagnitudeObserver`).
    /// Written as residual scale 1/s on every layer after the span (equal to scaling the prefix by s).
    case scale
}

extension SpanEstimator {
    /// The transform for `span` with `compensation` (nil for the identity: nothing is folded, and a scale, if
    /// any, comes from `MagnitudeObserver`).
    public func estimate(_ stats: LeastSquaresAccumulator?, span: Span, ridge: Double,
                         compensation: Compensation) throws -> LinearTransform? {
        guard compensation == .scale, self != .identity else { return try estimate(stats, span: span, ridge: ridge) }
        guard let stats else { preconditionFailure("the least-squares estimator needs statistics") }
        return try ScaledTransformSolver.solve(stats, ridge: ridge, layer: span.keptLayer)
    }
}
