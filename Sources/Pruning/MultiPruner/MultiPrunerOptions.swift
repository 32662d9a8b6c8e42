import Foundation

/// What `replaceme prune --method multipruner|blockpruner` was asked to do (MultiPruner, arXiv 2501.09949;
/// BlockPruner, arXiv 2406.10594: its first stage alone).
public struct MultiPrunerOptions: Sendable {
    public enum Variant: String, Sendable, CaseIterable {
        /// Sub-blocks, then MLP channel groups, then KV groups, each stage greedy by calibration perplexity.
        case multipruner
        /// Attention and MLP sub-blocks only, greedy by calibration perplexity.
        case blockpruner
    }

    /// How the output checkpoint holds layers of different shapes (`HeterogeneousCheckpointWriter`).
    public enum Format: String, Sendable, CaseIterable {
        /// Physically smaller tensors and Hugging Face's `per_layer_config` in config.json.
        case perLayer = "per-layer"
        /// The same function as a stock checkpoint of the original widths (zeros where something was removed).
        case padded
        /// The per-layer tensors with DeciLM's `block_configs` (`nemotron-nas`), where the result is expressible.
        case decilm
    }

    public var variant: Variant = .multipruner
    /// R: the fraction of the parameters to remove (MultiPruner's count, `ParameterCount`), in (0, 1).
    public var ratio: Double
    /// The shares of R given to stages 1, 2 and 3 (normalised to sum 1); MultiPruner's default 44:52:4.
    public var distribution: [Double] = [0.44, 0.52, 0.04]
    /// MLP channels removed per stage-2 step (nil: intermediate_size / 8).
    public var mlpGroup: Int?
    /// KV groups (each with its query heads) removed per stage-3 step.
    public var kvGroupsPerStep = 1
    public var format: Format = .perLayer
    public var force = false
    public var hashFiles = true
    /// Also write the chosen plan (`PruningPlan`) to this file.
    public var savePlan: URL?

    public init(ratio: Double) { self.ratio = ratio }

    /// The cumulative targets T1 = R·d₀, T2 = R·(d₀ + d₁), T3 = R; stage s runs while the removed fraction is
    /// below its target. BlockPruner: stage 1 takes all of R.
    public var stageTargets: [Double] {
        switch variant {
        case .blockpruner: return [ratio]
        case .multipruner:
            return [ratio * distribution[0], ratio * (distribution[0] + distribution[1]), ratio]
        }
    }

    /// Parses `--distribution a:b:c` (non-negative numbers, not all zero) into shares that sum to 1.
    public static func parseDistribution(_ text: String) throws -> [Double] {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 3, parts.allSatisfy({ $0 != nil && $0!.isFinite && $0! >= 0 }) else {
            throw PruningError.invalidOption(name: "distribution", reason: "'\(text)' is not three non-negative numbers a:b:c (e.g. 44:52:4)")
        }
        let values = parts.map { $0! }, sum = values.reduce(0, +)
        guard sum > 0 else {
            throw PruningError.invalidOption(name: "distribution", reason: "'\(text)' sums to zero; at least one stage must get a share")
        }
        return values.map { $0 / sum }
    }
}
