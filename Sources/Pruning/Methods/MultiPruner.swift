import Foundation
import JSON
import Llama
import SafeTensors

/// `replaceme prune --method multipruner|blockpruner`, end to end, as a composition of stages:
/// `ChannelImportance` (static L1 orders, MultiPruner's reorder) → `MultiPrunerSearch` (greedy by calibration
/// perplexity: sub-blocks, then MLP channel groups, then KV groups; BlockPruner: sub-blocks only) →
/// `PrunedCheckpointWriter` in the per-layer or padded layout, with MultiPruner's `pruning_config.json` and this
/// report inside, all in one atomic install. Every check that needs no computation runs first (`validate`).
public enum MultiPruner {
    public static let pruningConfigFileName = "pruning_config.json"

    /// The report written as `replaceme-report.json`.
    public struct Report: Codable, Sendable {
        public struct Options: Codable, Sendable {
            public var method: String
            public var ratio: Double
            public var distribution: [Double]
            public var mlpGroup: Int
            public var kvGroupsPerStep: Int
            public var format: String
            public var samples: Int
            public var seqLen: Int
        }
        /// One layer of the result, in the input's numbering.
        public struct Layer: Codable, Sendable {
            public var layer: Int
            public var attention: Bool
            public var mlp: Bool
            public var intermediateSize: Int
            public var kvHeads: Int
            public var heads: Int
            /// Index in the written checkpoint (nil: the layer lost both sub-blocks and was dropped).
            public var outputIndex: Int?
        }
        public var tool: String
        public var version: String
        public var createdAt: String
        public var input: String
        public var inputLayers: Int
        public var calibration: [CalibrationSet.Source]
        public var options: Options
        /// MultiPruner's count (`ParameterCount`).
        public var parametersBefore: Int
        public var parametersAfter: Int
        public var removedFraction: Double
        public var densePerplexity: Double
        /// Every accepted removal in order, with the calibration perplexity after it.
        public var steps: [MultiPrunerSearch.Step]
        public var exhaustedStages: [Int]
        public var layers: [Layer]
        public var evaluations: Int
        public var candidatesPerSecond: Double
        public var output: String?
        public var outputLayers: Int
        public var outputFiles: [PruneReport.FileRecord]
        public var plan: String?
        public var timings: [String: Double]
        public var peakMemoryBytes: Int

        public func jsonData() throws -> Data { try ReportJSON.encode(self) }
    }

    /// The MLP group size in force: `options.mlpGroup`, or I / 8.
    public static func mlpGroup(_ options: MultiPrunerOptions, geometry g: LlamaGeometry) -> Int {
        options.mlpGroup ?? max(1, g.intermediateSize / 8)
    }

    /// The parameter count for `pruner`'s checkpoint.
    public static func parameterCount(_ pruner: Pruner) -> ParameterCount {
        ParameterCount(geometry: pruner.model.geometry, biases: pruner.weights.biasLayout,
                       tiedEmbeddings: pruner.checkpoint.config.tieWordEmbeddings)
    }

    /// Everything checkable before calibration: group sizes, the ratio's reachability, the output location.
    public static func validate(_ options: MultiPrunerOptions, pruner: Pruner, output: URL?) throws {
        let g = pruner.model.geometry
        let group = mlpGroup(options, geometry: g)
        if options.variant == .multipruner {
            guard group > 0, group < g.intermediateSize, g.intermediateSize % group == 0 else {
                throw PruningError.invalidOption(name: "mlp-group", reason: "\(group) does not divide intermediate_size \(g.intermediateSize) "
                                                 + "into two or more groups")
            }
            guard options.kvGroupsPerStep >= 1, options.kvGroupsPerStep < g.kvHeads || options.distribution[2] == 0 else {
                throw PruningError.invalidOption(name: "kv-groups", reason: "removing \(options.kvGroupsPerStep) of num_key_value_heads "
                                                 + "\(g.kvHeads) per step leaves no group (give stage 3 no share, e.g. --distribution 50:50:0)")
            }
        }
        let bound = MultiPrunerSearch.reachableBound(count: parameterCount(pruner))
        guard options.ratio < bound else {
            throw PruningError.ratioUnreachable(ratio: options.ratio, reachable: bound,
                                                reason: "embeddings, head and norms stay, and one sub-block must remain")
        }
        if let output {
            if pruner.checkpoint.config.isHeterogeneous { throw PruningError.heterogeneousInput(path: pruner.inputDirectory.path) }
            if options.format == .decilm { try validateDeciLM(options, config: pruner.checkpoint.config, group: group) }
            try OutputLocation.check(output: output, input: pruner.inputDirectory, force: options.force)
        }
        if let url = options.savePlan { try PruningPlan.checkDestination(url, force: options.force) }
    }

    /// `--format decilm`, before any work: what the search could produce must be expressible (`DeciLM`): no
    /// biases, no KV-group stage (DeciLM keeps every query head), and MLP widths in steps of 256.
    static func validateDeciLM(_ options: MultiPrunerOptions, config c: LlamaConfig, group: Int) throws {
        func refuse(_ reason: String) -> PruningError { .invalidOption(name: "format", reason: "decilm: " + reason) }
        if let problem = PrunedCheckpointWriter.deciLMModelProblem(c) { throw refuse(problem) }
        guard c.intermediateSize % 256 == 0 else {
            throw refuse("DeciLM's MLP widths (ffn_mult) are multiples of 256 and intermediate_size is \(c.intermediateSize)")
        }
        guard options.variant == .multipruner else { return }
        if options.distribution[2] > 0 {
            throw refuse("stage 3 removes KV groups with their query heads, and DeciLM keeps num_attention_heads query heads in every "
                         + "attention layer; give stage 3 no share (e.g. --distribution 44:56:0)")
        }
        if options.distribution[1] > 0 && group % 256 != 0 {
            throw refuse("stage 2 removes \(group) MLP channels per step, and DeciLM's MLP widths are multiples of 256; "
                         + "give --mlp-group a multiple of 256 dividing intermediate_size \(c.intermediateSize) (e.g. 256), or stage 2 no share")
        }
    }

    /// Runs the search on `calibration` and writes the result to `output` (nil: a dry run).
    public static func run(pruner: Pruner, calibration: CalibrationSet, options: MultiPrunerOptions, output: URL?,
                           toolVersion: String, progress: Pruner.Progress = .silent) throws -> Report {
        try search(pruner: pruner, calibration: calibration, options: options, output: output, toolVersion: toolVersion,
                   progress: progress).report
    }

    /// A dry run that also returns the chosen edit (what `--save-plan` saves), for `sweep`.
    public static func plan(pruner: Pruner, calibration: CalibrationSet, options: MultiPrunerOptions, toolVersion: String,
                            progress: Pruner.Progress = .silent) throws -> (report: Report, edit: ModelEdit) {
        try search(pruner: pruner, calibration: calibration, options: options, output: nil, toolVersion: toolVersion, progress: progress)
    }

    static func search(pruner: Pruner, calibration: CalibrationSet, options: MultiPrunerOptions, output: URL?,
                       toolVersion: String, progress: Pruner.Progress) throws -> (report: Report, edit: ModelEdit) {
        try validate(options, pruner: pruner, output: output)
        let start = Date()
        var timings: [String: Double] = [:]
        let g = pruner.model.geometry
        let group = mlpGroup(options, geometry: g)
        let count = parameterCount(pruner)

        var step = progress.begin("importance", g.layerCount, "layers")
        let importance = try ChannelImportance.compute(source: pruner.weights, progress: step)
        progress.end()
        timings["importance"] = Date().timeIntervalSince(start)

        let rows = calibration.seqLen * PerplexityEvaluator.defaultWindowsPerBatch(seqLen: calibration.seqLen)
        progress.note("search: \(calibration.samples) windows × \(calibration.seqLen) tokens per candidate; cached streams at most "
                      + MemoryPlan.format(g.layerCount * rows * g.hiddenSize * 4) + " per batch of \(rows) rows")
        let search = MultiPrunerSearch(model: pruner.model, windows: calibration.windows.map { $0.map { Int32($0) } },
                                       seqLen: calibration.seqLen, importance: importance, count: count, options: options,
                                       mlpGroup: group)
        var label = ""
        var tick: ((Int, Int) -> Void)?
        let searchStart = Date()
        let result = try search.run { name, done, total in
            if name != label {
                if tick != nil { progress.end() }
                label = name
                tick = progress.begin(name, total, "window-passes")
            }
            tick?(done, total)
        }
        if tick != nil { progress.end() }
        timings["search"] = Date().timeIntervalSince(searchStart)

        if let url = options.savePlan {
            try PruningPlan(edit: result.edit, method: options.variant.rawValue, geometry: g).write(to: url)
        }
        let edit = result.edit
        let layers = (0..<g.layerCount).map { l in
            Report.Layer(layer: l, attention: result.state.attention[l], mlp: result.state.mlp[l],
                         intermediateSize: result.state.mlpWidth[l], kvHeads: result.state.kvGroups[l],
                         heads: result.state.kvGroups[l] * (g.heads / g.kvHeads), outputIndex: edit.newIndex(ofLayer: l))
        }
        func report(_ outputs: [CheckpointWriter.WrittenFile]) -> Report {
            timings["total"] = Date().timeIntervalSince(start) + (pruner.calibrationSeconds ?? 0)
            return Report(
                tool: "replaceme", version: toolVersion, createdAt: ISO8601DateFormatter().string(from: Date()),
                input: pruner.inputDirectory.path, inputLayers: g.layerCount, calibration: calibration.sources,
                options: .init(method: options.variant.rawValue, ratio: options.ratio, distribution: options.distribution,
                               mlpGroup: group, kvGroupsPerStep: options.kvGroupsPerStep, format: options.format.rawValue,
                               samples: calibration.samples, seqLen: calibration.seqLen),
                parametersBefore: count.parameters(SubBlockState(geometry: g)), parametersAfter: count.parameters(result.state),
                removedFraction: count.removedFraction(result.state), densePerplexity: result.densePerplexity,
                steps: result.steps, exhaustedStages: result.exhaustedStages, layers: layers, evaluations: result.evaluations,
                candidatesPerSecond: Double(result.evaluations) / max(timings["search"] ?? 1, 1e-9),
                output: output?.path, outputLayers: edit.outputLayerCount,
                outputFiles: outputs.map { .init(name: $0.name, bytes: $0.bytes, sha256: $0.sha256) },
                plan: options.savePlan?.path, timings: timings, peakMemoryBytes: PruneReport.peakMemoryBytes())
        }
        guard let output else { return (report([]), edit) }

        step = progress.begin("write", pruner.checkpoint.weights.tensorNames.count, "tensors")
        defer { progress.end() }
        var written: Report?
        let writeStart = Date()
        try PrunedCheckpointWriter.write(
            checkpoint: pruner.checkpoint, edit: edit, output: output, force: options.force, hashing: options.hashFiles,
            layout: [.padded: .padded, .decilm: .decilm][options.format] ?? .perLayer,
            extraFiles: [(pruningConfigFileName, pruningConfig(result.state, geometry: g))],
            finalFiles: { result in
                timings["write"] = Date().timeIntervalSince(writeStart)
                let r = report(result.weightFiles + result.otherFiles)
                written = r
                return [(Pruner.reportFileName, Array(try r.jsonData()))]
            }, progress: step)
        return (written!, edit)
    }

    /// MultiPruner's own `pruning_config.json` for `state`, in the input's layer numbering: removed attention and
    /// MLP sub-blocks, and per layer the kept query width (`pruned_attn_width`, H·hd when untouched) and MLP width.
    public static func pruningConfig(_ state: SubBlockState, geometry g: LlamaGeometry) -> [UInt8] {
        let layers = state.attention.indices
        var o = JSONObject()
        o["pruned_attn_idx"] = .array(layers.filter { !state.attention[$0] }.map { .int($0) })
        o["pruned_mlp_idx"] = .array(layers.filter { !state.mlp[$0] }.map { .int($0) })
        o["pruned_attn_width"] = .object(JSONObject(layers.map { (String($0), .int(state.kvGroups[$0] * (g.heads / g.kvHeads) * g.headDim)) }))
        o["pruned_mlp_width"] = .object(JSONObject(layers.map { (String($0), .int(state.mlpWidth[$0])) }))
        return Array((JSONValue.object(o).serialized(indent: 4) + "\n").utf8)
    }
}
