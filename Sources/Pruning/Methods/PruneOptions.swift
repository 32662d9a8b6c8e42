import Foundation

/// What `replaceme prune` was asked to do.
public struct PruneOptions: Sendable {
    /// A method is a composition of stages: the angular-distance scorer (`DistanceScorer`), the span selector
    /// (`SpanSelector`, with `ScreenedCandidates` in the fused pass) and an estimator (`SpanEstimator`).
    public enum Method: String, Sendable, CaseIterable {
        /// Remove the span and fold the least-squares transform into the previous block (ReplaceMe).
        case replaceme
        /// Remove the same span with no transform (the UIDL baseline), to see what the transform buys.
        case drop
        /// ReplaceMe with the span chosen by calibration perplexity among the 8 lowest-distance windows, each with
        /// its own T (`--select perplexity`).
        case replacemeSelect = "replaceme-select"
        /// The span dropped, with Prune&Comp's magnitude scale on the stream after it (`--compensate scale`).
        case dropScale = "drop-scale"
        /// ReplaceMe with the scale fitted jointly with T (`--compensate scale`, `ScaledTransformSolver`).
        case replacemeScale = "replaceme-scale"
        /// `replaceme-scale` with the span chosen by calibration perplexity (`--select perplexity`): the combination
        /// that measures best on SmolLM2 (README), by a little over `replaceme-select`.
        case replacemeScaleSelect = "replaceme-scale-select"
        /// ReplaceMe one block at a time (`--iterative 1`): each round re-scores and re-fits on the model pruned so far.
        case replacemeIterative = "replaceme-iterative"
        /// ReplaceMe with the cosine estimator (`--estimator cosine`, its default settings).
        case replacemeCosine = "replaceme-cosine"

        /// This method's estimator.
        public var estimator: SpanEstimator {
            switch self {
            case .drop, .dropScale: return .identity
            case .replacemeCosine: return .cosine
            default: return .leastSquares
            }
        }
        /// The iteration the method implies (nil: all blocks at once, unless `--iterative`).
        public var iterativeStep: Int? { self == .replacemeIterative ? 1 : nil }
        /// Whether the method needs calibration passes of its own, which `sweep` cannot share between
        /// configurations (rounds on an edited model, or the cosine estimator's stored rows).
        public var needsOwnPasses: Bool { iterativeStep != nil || estimator == .cosine }
        /// This method's compensation stage.
        public var compensation: Compensation { [.dropScale, .replacemeScale, .replacemeScaleSelect].contains(self) ? .scale : .none }
        /// The selection the method implies (nil: the one the options give).
        public var selection: Selection? {
            self == .replacemeSelect || self == .replacemeScaleSelect ? .perplexity(candidates: PerplexitySelector.defaultCandidates,
                                                   windows: PerplexitySelector.defaultWindows) : nil
        }
    }

    public var method: Method = .replaceme
    /// Layers to remove in total (K spans of `layersToRemove / K` each).
    public var layersToRemove: Int
    /// K: number of windows chosen greedily (adjacent ones merge).
    public var spans: Int = 1
    /// Forces one span starting at this layer (skips pass 1).
    public var forcedStart: Int?
    /// α in (G + αI)·T = C. 0 (the reference's plain least squares) with the solver's automatic fallback.
    public var ridge: Double = 0
    public var distanceTokens: DistanceTokens = .last
    /// Use RMSNorm_final(L_{L−1}) for the last layer in distances and targets, as the reference's HF indexing does.
    public var finalNormQuirk = false
    /// Replace an existing non-empty output directory.
    public var force = false
    /// Record SHA-256 of the input weight files (read once more) and of the outputs (hashed as they are written)
    /// in the report.
    public var hashFiles = true

    /// How the span is chosen: the lowest angular distance (the published method), or, among the `candidates`
    /// lowest-distance windows, the lowest calibration perplexity of the model without it (each with its own T),
    /// scored on the first `windows` calibration windows (`PerplexitySelector`).
    public enum Selection: Sendable, Equatable {
        case distance
        case perplexity(candidates: Int, windows: Int)
    }
    public var selection: Selection = .distance
    /// With selection among candidates: rank them by calibration perplexity (`--select perplexity`) or by KL
    /// divergence from the dense model (`--select kl`).
    public var selectionMetric: PerplexitySelector.Metric = .perplexity
    /// With selection among candidates: stop scoring a candidate once it clearly trails (`PerplexitySelector.racing`;
    /// false: `--select-all-windows`, every candidate on every window).
    public var selectionRace = true
    /// The selection in force: `selection` when set, else the method's own (distance by default).
    public var effectiveSelection: Selection { selection != .distance ? selection : method.selection ?? .distance }

    /// `--compensate`: the compensation stage when the method does not imply one.
    public var compensation: Compensation = .none
    /// The compensation in force: `compensation` when set, else the method's own.
    public var effectiveCompensation: Compensation { compensation != .none ? compensation : method.compensation }

    /// `--estimator`: the estimator when it differs from the method's own (nil: the method's).
    public var estimator: SpanEstimator?
    /// The estimator in force.
    public var effectiveEstimator: SpanEstimator { estimator ?? method.estimator }
    /// How the cosine estimator fits (`--cosine-parity`, `--cosine-objective`, `--cosine-epochs`, `--cosine-lr`).
    public var cosine = CosineTransformFitter.Settings()
    /// Bytes the cosine estimator's stored rows may take (all spans together); beyond it an even subsample.
    public var cosineRowBudget = 1 << 30

    /// `--iterative STEP`: remove STEP blocks at a time, re-scoring and re-fitting on the model pruned so far
    /// (`Pruner.iterate`); nil: all at once.
    public var iterative: Int?
    /// With `iterative`: what each round's transform is fitted to reach.
    public enum Targets: String, Sendable, CaseIterable {
        /// The pruned-so-far model's own output at the span's end (each round repairs its own model).
        case edited
        /// The dense model's output at the same depth (each round steers back to the original stream).
        case dense
    }
    public var targets: Targets = .edited

    /// Always run pass 2 separately, even when pass 1 could fit every candidate window at once (see `Pruner`).
    public var twoPass = false
    /// Also write each span's T (F64 [D, D], `T.0`, `T.1`, … in span order) to this safetensors file.
    public var saveTransforms: URL?
    /// Also write the chosen plan (`PruningPlan`: JSON, with its transforms beside it) to this file.
    public var savePlan: URL?

    /// `--max-memory`: the budget in bytes the run's planned peak must fit (`MemoryPlanner`); nil for none.
    public var maxMemory: Int?

    public init(layersToRemove: Int) { self.layersToRemove = layersToRemove }

    /// Options for `method`, with what the method implies that is an option of its own (its iteration).
    public init(layersToRemove: Int, method: Method) {
        self.layersToRemove = layersToRemove
        self.method = method
        iterative = method.iterativeStep
    }

    /// Length of each window (n).
    public var windowLength: Int { layersToRemove / max(spans, 1) }
}
