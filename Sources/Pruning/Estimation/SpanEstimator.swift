/// The estimation stage: what stands in for a removed span, folded into the kept layer before it.
public enum SpanEstimator: String, Sendable, CaseIterable {
    /// T solving (G + αI)·T = C from the span's least-squares statistics (ReplaceMe), folded into down_proj.
    case leastSquares = "ls"
    /// Nothing: T = I, the span is simply removed (the UIDL baseline).
    case identity
    /// T minimising ReplaceMe's cosine distance (`CosineTransformFitter`) over the span's stored rows. `estimate`
    /// gives its least-squares start; the Pruner's cosine stage collects the rows and refines it.
    case cosine

    /// Whether the estimator reads the span's statistics (so pass 1 may fit the candidates, or pass 2 runs).
    public var needsStatistics: Bool { self != .identity }

    /// The transform for `span` from its statistics (nil for the identity: nothing is folded).
    public func estimate(_ stats: LeastSquaresAccumulator?, span: Span, ridge: Double) throws -> LinearTransform? {
        switch self {
        case .identity: return nil
        case .leastSquares, .cosine:
            guard let stats else { preconditionFailure("the least-squares estimator needs statistics") }
            return try TransformSolver.solve(stats, ridge: ridge, layer: span.keptLayer)
        }
    }
}
