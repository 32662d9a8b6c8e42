import Foundation

/// What a command will hold, stated before it holds it (`MemoryPlanner`), and what it did hold.
///
/// `baseline` is the memory already resident when the plan was made (the runtime, the tokenizer, the calibration
/// tokens, the checkpoint's headers); each phase lists the named buffers it allocates on top (weights in Float32,
/// activations, statistics). The planned peak is `max(peak so far, baseline + largest phase)`. With a budget
/// (`--max-memory`) the settings (`residency`, `batchRows`, `fusedPass`) are the fastest ones for which
/// baseline + largest phase fits it (what is to come; a peak already past, such as tokenizing, cannot be undone), and `choices` says in words what the budget changed. The run fills in `measuredPeak` (ru_maxrss).
public struct MemoryPlan: Codable, Sendable, Equatable {
    public struct Item: Codable, Sendable, Equatable {
        public var name: String
        public var bytes: Int
    }
    public struct Phase: Codable, Sendable, Equatable {
        public var name: String
        public var items: [Item]
        public var bytes: Int
        /// The phase's buffers plus `slack`: what the allocator and the runtime hold beyond the live buffers,
        /// max(16 MiB, 4%) (measured: `perplexity` on SmolLM2 peaked up to 13.5 MiB above its buffers).
        public init(_ name: String, _ items: [Item]) {
            self.name = name
            let live = items.reduce(0) { $0 + $1.bytes }
            self.items = (items + [Item(name: "allocator slack", bytes: Self.slack(live))]).filter { $0.bytes > 0 }
            bytes = live + Self.slack(live)
        }

        static func slack(_ live: Int) -> Int { max(16 << 20, live / 25) }
    }

    /// The `--max-memory` budget in bytes (nil: none given).
    public var budget: Int?
    public var baseline: Int
    public var phases: [Phase]
    /// Weight residency (`cached` or `streaming`, see `LlamaModel.Residency`).
    public var residency: String
    /// Token rows per forward batch (whole samples or windows).
    public var batchRows: Int
    /// Prune only: whether pass 1 fits every candidate window at once (no pass 2).
    public var fusedPass: Bool?
    public var plannedPeak: Int
    /// Baseline plus the largest phase: what the work to come will hold at most.
    public var plannedAhead: Int
    public var choices: [String]
    /// Peak resident memory of the process when the report was made (bytes).
    public var measuredPeak: Int?

    public init(budget: Int?, baseline: Int, peakSoFar: Int, phases: [Phase], residency: String, batchRows: Int,
                fusedPass: Bool?, choices: [String] = []) {
        self.budget = budget; self.baseline = baseline; self.phases = phases; self.residency = residency
        self.batchRows = batchRows; self.fusedPass = fusedPass; self.choices = choices
        plannedAhead = baseline + (phases.map(\.bytes).max() ?? 0)
        plannedPeak = max(peakSoFar, plannedAhead)
    }

    /// Whether the work to come fits the budget (always, without one).
    public var fits: Bool { budget.map { plannedAhead <= $0 } ?? true }

    /// The phase with the largest planned footprint.
    public var largestPhase: Phase? { phases.max { $0.bytes < $1.bytes } }

    /// `1.23 GiB` / `456.7 MiB`.
    public static func format(_ bytes: Int) -> String {
        let b = Double(bytes)
        return b >= 1_073_741_824 ? String(format: "%.2f GiB", b / 1_073_741_824) : String(format: "%.1f MiB", b / 1_048_576)
    }

    /// One line for stderr before the work starts: the planned peak, its largest phase and the settings.
    public var summary: String {
        var s = "memory plan: peak \(Self.format(plannedPeak))"
        if let budget { s += " of \(Self.format(budget)) allowed" }
        if let p = largestPhase {
            s += " (\(p.name): " + p.items.sorted { $0.bytes > $1.bytes }.prefix(4)
                .map { "\($0.name) \(Self.format($0.bytes))" }.joined(separator: ", ")
                + "; resident before \(Self.format(baseline)))"
        }
        s += "; \(residency) weights, batches of \(batchRows) rows"
        if let fused = fusedPass { s += fused ? ", fused pass" : ", two passes" }
        if !choices.isEmpty { s += "; " + choices.joined(separator: "; ") }
        return s
    }
}
