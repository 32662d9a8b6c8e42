import Llama

/// Plans what `prune` and `perplexity` will hold before they hold it (`MemoryPlan`), and within a budget
/// (`--max-memory`) chooses the fastest settings that fit.
///
/// Prune phases (D hidden, I MLP width, L layers, n window length, R batch rows, T tokens per window, S windows;
/// `ForwardMemory` gives the weights and the forward workspace):
/// - pass 1: weights + workspace(R) + distances (`.last`: S·L·D Float64 unit vectors; `.all`: (n+2)·R·D Float32)
///   + when fused, every candidate window's statistics ((L − n) · 2·D² Float64, 3·D² with magnitude compensation's
///   B = XᵀR) and the held M, Y copies of the
///   windows open at once (min(L − n, n + 1) · 2·R·D Float32);
/// - pass 2 (two passes, or the fused winner screened out): weights + workspace(R) + the spans' statistics and copies;
/// - select (`--select perplexity`, K candidates): weights with the head and K edited layers + workspace with
///   logits (one window per batch when racing, about 4096 rows otherwise) + K resumed residual streams + the
///   candidates' statistics and transforms (K·D² Float64);
/// - cosine (`--estimator cosine`): weights + workspace(R) + the spans' statistics + their stored rows (per span
///   2 or 3 · N·D Float32 for N = ⌈S·T / stride⌉ rows, the stride `SpanRows.stride` keeps within
///   `--cosine-memory`) + the fitter's T, gradient and Adam moments (4·D² Float64) and its minibatch
///   (4 · B·D Float64);
/// - solve: the statistics + the Cholesky factor, T and a residual buffer (3·D² Float64);
/// - write: the folded W_down in Float64 and its encoding (D·I·(8 + 4)) and T.
///
/// Preference within a budget, fastest first: the fused pass (it saves a whole forward pass), then larger batches
/// (fewer weight conversions when streaming), then cached weights. Without a budget the settings are today's
/// defaults (automatic residency, 8192-row batches, fused when its statistics take at most 1 GiB) and the plan
/// only states what they will hold.
public enum MemoryPlanner {
    /// What a prune will run, as far as memory goes.
    public struct PruneRequest: Sendable {
        public var geometry: LlamaGeometry
        public var biases: LayerBiasLayout
        public var samples: Int
        public var seqLen: Int
        /// Window length n.
        public var windowLength: Int
        /// Spans fitted in pass 2 (K of `--spans`, 1 with selection).
        public var spans: Int
        /// Whether the method fits statistics at all (false for drop).
        public var needsStatistics: Bool
        /// Whether the fused pass is allowed (one span, no forced start, no `--two-pass`).
        public var fusedAllowed: Bool
        public var distanceTokens: DistanceTokens
        /// `--select perplexity`: candidates K and windows W.
        public var selection: (candidates: Int, windows: Int)?
        /// Whether the selection races (one window per batch, `PerplexitySelector.racing`) or scores all windows
        /// (about 4096 rows per batch).
        public var selectionRace = true
        /// Bytes per stored weight element (`ForwardMemory.storedElementBytes`).
        public var storedElementBytes = 4
        /// Magnitude compensation with a transform: each span's statistics also hold B = XᵀR ([D, D] Float64).
        public var residualStatistics = false
        /// `--estimator cosine`: the objective's form, the rows' byte budget (`--cosine-memory`) and the fitter's
        /// minibatch rows.
        public var cosine: (surrogate: Bool, budget: Int, batchRows: Int)?
        public init(geometry: LlamaGeometry, biases: LayerBiasLayout, samples: Int, seqLen: Int, windowLength: Int,
                    spans: Int, needsStatistics: Bool, fusedAllowed: Bool, distanceTokens: DistanceTokens,
                    selection: (candidates: Int, windows: Int)?) {
            self.geometry = geometry; self.biases = biases; self.samples = samples; self.seqLen = seqLen
            self.windowLength = windowLength; self.spans = spans; self.needsStatistics = needsStatistics
            self.fusedAllowed = fusedAllowed; self.distanceTokens = distanceTokens; self.selection = selection
        }
    }

    /// Default token rows per calibration batch.
    public static let defaultBatchRows = 8192
    /// Without a budget, the largest candidates' statistics the fused pass may hold.
    public static let defaultFusedLimit = 1 << 30

    /// The plan of a prune. Throws `PruningError.memoryBudgetTooSmall` when even the leanest settings (streaming,
    /// two passes, one window per batch) do not fit `budget`.
    public static func prune(_ r: PruneRequest, budget: Int?, residency: LlamaModel.Residency? = nil,
                             baseline: Int = ProcessMemory.resident(), peakSoFar: Int = ProcessMemory.peak(),
                             defaultRows: Int = defaultBatchRows) throws -> MemoryPlan {
        let g = r.geometry, d = g.hiddenSize, L = g.layerCount, n = r.windowLength
        let candidates = max(L - n, 0)
        let statsBytes = (r.residualStatistics ? 3 : 2) * d * d * 8  // G, C (and B) of one span, Float64
        let automatic = residency ?? LlamaModel.automaticResidency(geometry: g, biases: r.biases)
        func plan(_ res: LlamaModel.Residency, rows: Int, fused: Bool) -> MemoryPlan {
            let memory = ForwardMemory(geometry: g, biases: r.biases, residency: res, storedElementBytes: r.storedElementBytes)
            let weights = MemoryPlan.Item(name: "weights (Float32, \(res.rawValue))", bytes: memory.weightBytes(head: false))
            let workspace = MemoryPlan.Item(name: "activations", bytes: memory.workspaceBytes(rows: rows, maxLength: r.seqLen, logits: false))
            let distances = MemoryPlan.Item(name: "distances", bytes: r.distanceTokens == .last
                                            ? r.samples * L * d * 8 : (n + 2) * rows * d * 4)
            let fusedStats = MemoryPlan.Item(name: "statistics of \(candidates) candidate windows",
                                             bytes: fused ? candidates * statsBytes : 0)
            let fusedCopies = MemoryPlan.Item(name: "held M, Y copies",
                                              bytes: fused ? min(candidates, n + 1) * 2 * rows * d * 4 + rows * d * 4 : 0)
            let spanStats = MemoryPlan.Item(name: "statistics of \(r.spans) span(s)", bytes: r.spans * statsBytes)
            var phases = [MemoryPlan.Phase("pass 1", [weights, workspace, distances, fusedStats, fusedCopies])]
            if r.needsStatistics {
                phases.append(.init("pass 2", [weights, workspace, spanStats,
                                                .init(name: "held M, Y copies", bytes: r.spans * 2 * rows * d * 4 + rows * d * 4)]))
            }
            if let sel = r.selection {
                let windows = r.selectionRace ? 1 : max(1, min(sel.windows, r.samples, 4096 / max(r.seqLen, 1)))
                let selRows = windows * r.seqLen
                phases.append(.init("select", [
                    .init(name: "weights (Float32, \(res.rawValue), head, edited layers)",
                          bytes: memory.weightBytes(head: true, editedLayers: sel.candidates)),
                    .init(name: "activations", bytes: memory.workspaceBytes(rows: selRows, maxLength: r.seqLen, logits: true)),
                    .init(name: "resumed residual streams", bytes: sel.candidates * selRows * d * 4),
                    fusedStats, .init(name: "transforms", bytes: r.needsStatistics ? sel.candidates * d * d * 8 : 0)]))
            }
            if let cosine = r.cosine {
                let total = r.samples * r.seqLen
                let stride = SpanRows.stride(total: total, width: d, surrogate: cosine.surrogate, budget: cosine.budget / max(r.spans, 1))
                let kept = (total + stride - 1) / stride
                let minibatch = min(cosine.batchRows, kept)
                phases.append(.init("cosine", [
                    weights, workspace, spanStats,
                    .init(name: "stored rows of \(r.spans) span(s)\(stride == 1 ? "" : ", 1 in \(stride)")",
                          bytes: r.spans * SpanRows.matrices(surrogate: cosine.surrogate) * kept * d * 4),
                    .init(name: "T, gradient, Adam moments, minibatch", bytes: 4 * d * d * 8 + 4 * minibatch * d * 8)]))
            }
            let held = fused ? fusedStats : spanStats
            if r.needsStatistics {
                phases.append(.init("solve", [held, .init(name: "Cholesky factor, T, residual", bytes: 3 * d * d * 8)]))
            }
            phases.append(.init("write", [held, .init(name: "folded down_proj (Float64) and its encoding",
                                                      bytes: d * g.intermediateSize * 12 + d * d * 8)]))
            return MemoryPlan(budget: budget, baseline: baseline, peakSoFar: peakSoFar, phases: phases,
                              residency: res.rawValue, batchRows: rows, fusedPass: r.needsStatistics ? fused : nil)
        }
        let perBatch = max(1, defaultRows / max(r.seqLen, 1))
        let rowsFull = min(perBatch, r.samples) * r.seqLen
        let fusedByDefault = r.needsStatistics && r.fusedAllowed && candidates * statsBytes <= defaultFusedLimit
        guard let budget else { return plan(automatic, rows: rowsFull, fused: fusedByDefault) }

        // Fastest first: fused before two passes, larger batches before smaller, cached before streaming.
        let windowCounts = halvings(of: min(perBatch, r.samples))
        let residencies: [LlamaModel.Residency] = residency.map { [$0] } ?? [.cached, .streaming]
        let fusings = r.needsStatistics && r.fusedAllowed ? [true, false] : [false]
        for fused in fusings {
            for windows in windowCounts {
                for res in residencies {
                    var p = plan(res, rows: windows * r.seqLen, fused: fused)
                    guard p.fits else { continue }
                    if fusedByDefault && !fused { p.choices.append("two passes: the fused pass's statistics do not fit") }
                    p.choices += choices(windows: windows, of: rowsFull / r.seqLen, residency: res, automatic: automatic)
                    return p
                }
            }
        }
        let leanest = plan(residency ?? .streaming, rows: r.seqLen, fused: false)
        throw PruningError.memoryBudgetTooSmall(budget: budget, needed: leanest.plannedAhead, detail: leanest.summary)
    }

    /// The plan of a perplexity run over windows of `seqLen` tokens: residency (unless given) and windows per
    /// batch (unless given) chosen to fit `budget`; `editedLayers` of the plan change weights.
    public static func perplexity(geometry g: LlamaGeometry, biases: LayerBiasLayout, seqLen: Int, windows: Int,
                                  windowsPerBatch: Int?, logits: Bool, editedLayers: Int, budget: Int?,
                                  residency: LlamaModel.Residency?, storedElementBytes: Int = 4, baseline: Int = ProcessMemory.resident(),
                                  peakSoFar: Int = ProcessMemory.peak()) throws -> MemoryPlan {
        let automatic = residency ?? LlamaModel.automaticResidency(geometry: g, biases: biases)
        func plan(_ res: LlamaModel.Residency, perBatch: Int) -> MemoryPlan {
            let memory = ForwardMemory(geometry: g, biases: biases, residency: res, storedElementBytes: storedElementBytes)
            let rows = perBatch * seqLen
            return MemoryPlan(budget: budget, baseline: baseline, peakSoFar: peakSoFar, phases: [.init("forward", [
                .init(name: "weights (Float32, \(res.rawValue))", bytes: memory.weightBytes(head: logits, editedLayers: editedLayers)),
                .init(name: "activations", bytes: memory.workspaceBytes(rows: rows, maxLength: seqLen, logits: logits)),
                .init(name: "targets and losses", bytes: rows * 16),
            ])], residency: res.rawValue, batchRows: rows, fusedPass: nil)
        }
        let defaultPerBatch = windowsPerBatch ?? PerplexityEvaluator.defaultWindowsPerBatch(seqLen: seqLen)
        let full = max(1, min(defaultPerBatch, max(windows, 1)))
        guard let budget else { return plan(automatic, perBatch: full) }
        let counts = windowsPerBatch == nil ? halvings(of: full) : [full]
        for perBatch in counts {
            for res in residency.map({ [$0] }) ?? [.cached, .streaming] {
                var p = plan(res, perBatch: perBatch)
                guard p.fits else { continue }
                p.choices += choices(windows: perBatch, of: full, residency: res, automatic: automatic)
                return p
            }
        }
        let leanest = plan(residency ?? .streaming, perBatch: counts.last!)
        throw PruningError.memoryBudgetTooSmall(budget: budget, needed: leanest.plannedAhead, detail: leanest.summary)
    }

    /// n, n/2, n/4, …, 1: the windows per batch tried, largest first.
    static func halvings(of n: Int) -> [Int] {
        Array(sequence(first: max(n, 1)) { $0 > 1 ? $0 / 2 : nil })
    }

    /// What a budget changed, in words: fewer windows per batch than `full`, streaming instead of automatic cached.
    static func choices(windows: Int, of full: Int, residency: LlamaModel.Residency, automatic: LlamaModel.Residency) -> [String] {
        (windows < full ? ["batches of \(windows) windows (not \(full))"] : [])
            + (residency != automatic && residency == .streaming ? ["streaming weights: cached ones do not fit"] : [])
    }
}
