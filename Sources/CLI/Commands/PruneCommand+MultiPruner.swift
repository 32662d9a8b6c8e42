import Foundation
import Pruning

extension PruneCommand {
    /// Calibration defaults of the greedy searches: every candidate is a forward pass over all windows.
    static let multiPrunerSamples = 8
    static let multiPrunerSeqLen = 512

    /// `prune --method multipruner|blockpruner`: parameter-ratio pruning by greedy calibration perplexity.
    static func runMultiPruner(_ variant: MultiPrunerOptions.Variant, args: ParsedArguments, context: CommandContext,
                               output: URL?) throws -> Int32 {
        let m = variant.rawValue
        for name in ["layers", "spans", "start", "select", "candidates", "select-windows", "compensate", "ridge",
                     "distance-tokens", "save-transforms", "max-memory"] where args.string(name) != nil {
            throw args.usageError("'--\(name)' does not apply to '--method \(m)'")
        }
        for name in ["final-norm-quirk", "two-pass", "select-all-windows"] where args.flag(name) {
            throw args.usageError("'--\(name)' does not apply to '--method \(m)'")
        }
        if variant == .blockpruner {
            for name in ["distribution", "mlp-group", "kv-groups"] where args.string(name) != nil {
                throw args.usageError("'--\(name)' goes with '--method multipruner' (blockpruner removes sub-blocks only)")
            }
        }
        guard let ratio = try args.double("ratio", in: 0...1) else {
            throw args.usageError("'--method \(m)' needs '--ratio R', the fraction of the parameters to remove")
        }
        guard ratio > 0 && ratio < 1 else {
            throw args.usageError("option '--ratio' must be a fraction strictly between 0 and 1 (the share of parameters to remove), got '\(args.string("ratio")!)'")
        }
        var options = MultiPrunerOptions(ratio: ratio)
        options.variant = variant
        if let text = args.string("distribution") {
            do { options.distribution = try MultiPrunerOptions.parseDistribution(text) } catch let e as PruningError {
                throw args.usageError(e.description)
            }
        }
        options.mlpGroup = try args.int("mlp-group", in: 1...10_000_000)
        options.kvGroupsPerStep = try args.int("kv-groups", in: 1...100_000) ?? 1
        options.format = MultiPrunerOptions.Format(rawValue: try args.choice("format", MultiPrunerOptions.Format.allCases.map(\.rawValue)) ?? "per-layer")!
        options.force = args.flag("force")
        options.hashFiles = !args.flag("no-hash")
        options.savePlan = args.string("save-plan").map { URL(fileURLWithPath: $0) }
        var calibration = try CalibrationOptions.parse(args)
        if args.string("samples") == nil { calibration.samples = multiPrunerSamples }
        if args.string("seq-len") == nil { calibration.seqLen = multiPrunerSeqLen }

        let input = try context.checkpointDirectory(args.positional(0)!)
        let pruner = try Pruner(checkpointDirectory: input)
        try MultiPruner.validate(options, pruner: pruner, output: output)   // before tokenizing or computing anything
        let exportIds = args.string("export-ids").map { URL(fileURLWithPath: $0) }
        if let url = exportIds { try Pruner.checkSideFile(url, force: options.force) }
        let set = try calibrationSet(pruner, calibration, exportIds: exportIds)
        let report = try MultiPruner.run(pruner: pruner, calibration: set, options: options, output: output,
                                         toolVersion: ToolVersion.current, progress: CalibrationOptions.progress(context))
        try printResult(args, context, json: report.jsonData, summary: { summary(report) })
        return 0
    }

    /// The human summary of a MultiPruner/BlockPruner run.
    static func summary(_ r: MultiPruner.Report) -> String {
        var s = r.output.map { "Pruned \(r.input) (\(r.inputLayers) layers) → \($0) (\(r.outputLayers) layers), method \(r.options.method), format \(r.options.format)\n" }
            ?? "Plan for \(r.input) (\(r.inputLayers) layers → \(r.outputLayers)), method \(r.options.method); no checkpoint written (--dry-run)\n"
        s += String(format: "  parameters %d → %d (%.2f%% removed, target %.2f%%); calibration perplexity %.3f dense\n",
                    r.parametersBefore, r.parametersAfter, r.removedFraction * 100, r.options.ratio * 100, r.densePerplexity)
        for (i, st) in r.steps.enumerated() {
            let what = st.amount.map { "\($0) \(st.kind == "kv_groups" ? "KV groups" : "MLP channels") of layer \(st.layer)" }
                ?? "\(st.kind) of layer \(st.layer)"
            s += String(format: "  %3d. stage %d: ", i + 1, st.stage) + what
                + String(format: "  → perplexity %.3f, %.2f%% removed (%d candidates, %.1f s)\n", st.perplexity, st.ratio * 100, st.candidates, st.seconds)
        }
        if !r.exhaustedStages.isEmpty {
            s += "  stage\(r.exhaustedStages.count == 1 ? "" : "s") \(r.exhaustedStages.map(String.init).joined(separator: ", ")) ran out of candidates before its target\n"
        }
        let t = r.timings
        s += String(format: "  calibration %d × %d tokens; %d evaluations, %.2f candidates/s; search %.1f s, total %.1f s; peak memory %.2f GiB\n",
                    r.options.samples, r.options.seqLen, r.evaluations, r.candidatesPerSecond, t["search"] ?? 0, t["total"] ?? 0,
                    Double(r.peakMemoryBytes) / 1_073_741_824)
        if let plan = r.plan { s += "  plan: \(plan)\n" }
        if let output = r.output { s += "  report: \(output)/\(Pruner.reportFileName)\n" }
        return s
    }
}
