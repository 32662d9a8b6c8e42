import Foundation
import TensorCore

/// Everything a prune did, written as JSON next to the output checkpoint: inputs and their hashes, options,
/// the distance table, chosen spans with their fit, outputs, timings, peak memory and the tool version.
public struct PruneReport: Codable, Sendable {
    public struct FileRecord: Codable, Sendable, Equatable {
        public var name: String
        public var bytes: Int
        public var sha256: String?
    }

    public struct Options: Codable, Sendable {
        public var method: String
        /// The compensation stage in force (`none` or `scale`).
        public var compensation: String
        public var layersRemoved: Int
        public var spansRequested: Int
        public var forcedStart: Int?
        public var ridge: Double
        public var distanceTokens: String
        public var finalNormQuirk: Bool
        public var samples: Int
        public var seqLen: Int
        /// How the span was chosen: `distance`, `perplexity` or `kl`.
        public var selection: String = "distance"
        /// With selection among candidates: whether a race stopped scoring the candidates that trailed
        /// (`PerplexitySelector.racing`; false with `--select-all-windows`); nil with selection by distance.
        public var selectionRace: Bool?
        /// The estimator in force: `ls`, `identity` (drop) or `cosine`.
        public var estimator: String = "ls"
        /// `--iterative STEP` and `--targets` (nil when all blocks were removed at once).
        public var iterative: Int?
        public var targets: String?
    }

    public struct Fit: Codable, Sendable {
        public var rows: Int
        /// D, the width of T: with fewer rows than D the fit interpolates the calibration rows (its residual is
        /// near 0 by construction and says nothing about held-out text).
        public var width: Int
        public var underdetermined: Bool { rows < width }
        public var ridge: Double
        public var usedFallback: Bool
        public var conditionEstimate: Double
        public var relativeResidual: Double
        public var identityRelativeResidual: Double
        public var streamRelativeError: Double
        public var identityStreamRelativeError: Double

        public init(_ t: LinearTransform, rows: Int) {
            self.rows = rows
            width = t.width
            ridge = t.solve.ridge; usedFallback = t.solve.usedFallback; conditionEstimate = t.solve.conditionEstimate
            relativeResidual = t.relativeResidual; identityRelativeResidual = t.identityRelativeResidual
            streamRelativeError = t.streamRelativeError; identityStreamRelativeError = t.identityStreamRelativeError
        }
    }

    public struct SpanRecord: Codable, Sendable {
        /// First removed layer (0-based); removed layers are `start...end`.
        public var start: Int
        public var end: Int
        public var count: Int
        /// The kept layer whose `mlp.down_proj` absorbed T (nil for `--method drop`).
        public var foldedInto: Int?
        /// s of magnitude compensation (`--compensate scale`): every later layer writes ÷ s (nil without).
        public var scale: Double?
        /// A joint optimum s ≤ 0 that compensation refused for this span (plain T instead; nil otherwise).
        public var rejectedScale: Double?
        /// Mean angular distance of the window(s) (nil when the start was forced without pass 1).
        public var distance: Double?
        public var fit: Fit?
        /// The cosine estimator's fit (nil for least squares).
        public var cosine: CosineTransformFitter.Report?
        /// With `--iterative`: the original layers this round removed (consecutive in the model it ran on, not
        /// always in the original) and the round's number from 1; nil otherwise.
        public var layers: [Int]?
        public var round: Int?
    }

    /// How the fused single pass went: candidates fitted in each batch (`CandidateScreen` drops the ones that can
    /// no longer win), and whether the chosen span had been dropped and needed pass 2.
    public struct FusedPass: Codable, Sendable {
        public var candidates: Int
        public var fittedPerBatch: [Int]
        public var secondPass: Bool
    }

    public var tool: String
    public var version: String
    public var createdAt: String
    public var input: String
    public var inputLayers: Int
    public var inputFiles: [FileRecord]
    public var calibration: [CalibrationSet.Source]
    /// SHA-256 of the calibration windows' ids (as the `--export-ids` JSONL text): what was actually used.
    public var calibrationIdsSHA256: String
    public var options: Options
    public var distances: DistanceTable?
    public var spans: [SpanRecord]
    /// nil when the statistics came from a separate pass 2 (`--two-pass`, several spans, forced start, drop).
    public var fusedPass: FusedPass?
    /// With selection by perplexity: the shortlisted spans, their distances and calibration perplexities.
    public var selection: [PerplexitySelector.Candidate]?
    /// The output checkpoint; nil for a dry run (plan only).
    public var output: String?
    /// The plan file written (`--save-plan`), if any.
    public var plan: String?
    public var outputLayers: Int
    public var outputFiles: [FileRecord]
    /// Seconds per phase (load, distances, statistics, solve, write, total).
    public var timings: [String: Double]
    /// Peak resident memory of the process (bytes), from getrusage.
    public var peakMemoryBytes: Int
    /// What the prune planned to hold, the settings chosen for `--max-memory`, and the measured peak.
    public var memory: MemoryPlan?

    public func jsonData() throws -> Data { try ReportJSON.encode(self) }

    /// Peak resident set size of this process so far, in bytes (`ProcessMemory.peak`).
    public static func peakMemoryBytes() -> Int { ProcessMemory.peak() }
}
