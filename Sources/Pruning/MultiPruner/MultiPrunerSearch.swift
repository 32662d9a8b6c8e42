import Foundation
import Llama

/// MultiPruner's greedy search (arXiv 2501.09949; `run_multipruner.py`), stage by stage:
/// 1. sub-blocks: candidates are every remaining attention sub-block, then every remaining MLP sub-block, each in
///    increasing layer order (a removed sub-block is skipped with its residual: h ← h);
/// 2. MLP channels: one candidate per layer whose MLP remains and keeps more than one group, removing `mlpGroup`
///    channels (the lowest-scored still kept, `ChannelImportance`);
/// 3. KV groups: one candidate per layer whose attention remains and keeps more than `kvGroupsPerStep` groups,
///    removing that many groups with their query heads.
/// Each step scores every candidate by the calibration perplexity of the model edited so far plus the candidate,
/// and takes the lowest (strict `<`: ties keep the earlier candidate; a NaN never wins). Stage s runs while the
/// removed fraction of parameters (`ParameterCount`) is below its cumulative target, so it may overshoot by one
/// unit, which the later stages then do not remove. A stage with no candidate left ends early.
///
/// Cost: candidates are edits of the current model evaluated together per batch of windows
/// (`PerplexityEvaluator.evaluate(edits:base:)`): the current model runs once per batch keeping the residual
/// stream entering each layer some candidate changes, and each candidate resumes at its layer, so layers before
/// it are not run again. Held per batch: at most one [R, D] Float32 stream per layer. Across steps the streams are
/// recomputed (the current model's pass is one of the step's ~2L evaluations).
public struct MultiPrunerSearch {
    public let model: LlamaModel
    public let windows: [[Int32]]
    public let seqLen: Int
    public let importance: ChannelImportance
    public let count: ParameterCount
    public let options: MultiPrunerOptions
    /// MLP channels per stage-2 step.
    public let mlpGroup: Int

    public init(model: LlamaModel, windows: [[Int32]], seqLen: Int, importance: ChannelImportance, count: ParameterCount,
                options: MultiPrunerOptions, mlpGroup: Int) {
        self.model = model; self.windows = windows; self.seqLen = seqLen; self.importance = importance
        self.count = count; self.options = options; self.mlpGroup = mlpGroup
    }

    /// One accepted removal.
    public struct Step: Codable, Sendable, Equatable {
        public var stage: Int
        public var kind: String
        public var layer: Int
        /// Channels or KV groups removed (nil for a whole sub-block).
        public var amount: Int?
        /// Calibration perplexity of the model after this removal.
        public var perplexity: Double
        /// Removed fraction of the parameters after it.
        public var ratio: Double
        public var candidates: Int
        public var seconds: Double
    }

    public struct Result: Sendable {
        public var state: SubBlockState
        public var edit: ModelEdit
        public var steps: [Step]
        public var densePerplexity: Double
        /// Candidate evaluations (each over every calibration window).
        public var evaluations: Int
        public var seconds: Double
        /// Stages that ran out of candidates before their target.
        public var exhaustedStages: [Int]
    }

    /// The candidates of `stage` (1, 2, 3) in `state`, in MultiPruner's order.
    public func candidates(stage: Int, state: SubBlockState) -> [SubBlockState.Removal] {
        let layers = state.attention.indices
        switch stage {
        case 1:
            let all = layers.filter { state.attention[$0] }.map { SubBlockState.Removal.attention(layer: $0) }
                + layers.filter { state.mlp[$0] }.map { SubBlockState.Removal.mlp(layer: $0) }
            // At least one layer must keep a sub-block (the last one is never a candidate).
            return all.filter { state.applying($0).liveLayers > 0 }
        case 2:
            return layers.filter { state.mlp[$0] && state.mlpWidth[$0] - mlpGroup > 0 }
                .map { .mlpChannels(layer: $0, channels: mlpGroup) }
        default:
            let k = options.kvGroupsPerStep
            return layers.filter { state.attention[$0] && state.kvGroups[$0] - k > 0 }.map { .kvGroups(layer: $0, groups: k) }
        }
    }

    /// Runs the search. progress: (label, window-passes done, total) per step.
    public func run(progress: ((String, Int, Int) -> Void)? = nil) throws -> Result {
        let start = Date()
        let g = model.geometry
        let evaluator = PerplexityEvaluator(model: model, seqLen: seqLen, bos: nil)
        let tokens = windows.flatMap { $0 }
        var state = SubBlockState(geometry: g)
        var steps: [Step] = []
        var evaluations = 0, exhausted: [Int] = []
        var dense: Double?
        for (index, target) in options.stageTargets.enumerated() {
            let stage = index + 1
            while count.removedFraction(state) < target {
                let list = candidates(stage: stage, state: state)
                guard !list.isEmpty else { exhausted.append(stage); break }
                let t = Date()
                let base = state.edit(importance: importance, geometry: g)
                let edits = list.map { state.applying($0).edit(importance: importance, geometry: g) }
                let elapsed = Date().timeIntervalSince(start)
                let rate = evaluations > 0 ? String(format: " (so far %.2f candidates/s)", Double(evaluations) / elapsed) : ""
                let label = "stage \(stage) step \(steps.count + 1): \(list.count) candidates" + rate
                // The shared model's own perplexity is needed once: the dense model's, at the first step.
                let results = try evaluator.evaluate(tokens: tokens, edits: edits, base: base, nonFiniteIsNaN: true,
                                                     scoreReference: dense == nil, progress: { progress?(label, $0, $1) })
                evaluations += list.count
                if dense == nil { dense = results[0].perplexity }
                var best: Int?
                for i in list.indices where !results[i + 1].perplexity.isNaN {
                    if best == nil || results[i + 1].perplexity < results[best! + 1].perplexity { best = i }
                }
                guard let b = best else { exhausted.append(stage); break }
                state = state.applying(list[b])
                let amount: Int?
                switch list[b] {
                case .mlpChannels(_, let c): amount = c
                case .kvGroups(_, let k): amount = k
                default: amount = nil
                }
                steps.append(Step(stage: stage, kind: list[b].kind, layer: list[b].layer, amount: amount,
                                  perplexity: results[b + 1].perplexity, ratio: count.removedFraction(state),
                                  candidates: list.count, seconds: Date().timeIntervalSince(t)))
            }
        }
        if dense == nil {
            dense = try evaluator.evaluate(tokens: tokens, edits: []).first?.perplexity
        }
        let reached = count.removedFraction(state)
        if let last = options.stageTargets.last, reached < last {
            throw PruningError.ratioUnreachable(ratio: options.ratio, reachable: reached,
                                                reason: "the search ran out of candidates in stage\(exhausted.count == 1 ? "" : "s") "
                                                    + exhausted.map(String.init).joined(separator: ", ")
                                                    + " with --mlp-group \(mlpGroup) and --kv-groups \(options.kvGroupsPerStep)")
        }
        return Result(state: state, edit: state.edit(importance: importance, geometry: g), steps: steps,
                      densePerplexity: dense ?? .nan, evaluations: evaluations,
                      seconds: Date().timeIntervalSince(start), exhaustedStages: exhausted)
    }

    /// An upper bound on the removable fraction: every sub-block removed but the cheapest one (stage 1 can go
    /// that far; the width stages never reach zero width). A ratio at or above it is refused before any work.
    public static func reachableBound(count: ParameterCount) -> Double {
        let g = count.geometry
        var best = 0.0
        for keepAttention in [true, false] {
            var s = SubBlockState(geometry: g)
            for l in 0..<g.layerCount { s.attention[l] = false; s.mlp[l] = false }
            if keepAttention { s.attention[0] = true } else { s.mlp[0] = true }
            best = max(best, count.removedFraction(s))
        }
        return best
    }
}
