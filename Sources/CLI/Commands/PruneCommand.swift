import Foundation
import Pruning

/// `replaceme prune <checkpoint-dir> --output DIR [--layers n | --ratio r] ...`: the ReplaceMe method end to end.
enum PruneCommand {
    static let spec = CommandSpec(
        name: "prune",
        summary: "Remove a span of transformer blocks and fold a least-squares transform into the previous block (ReplaceMe).",
        discussion: """
        Pass 1 runs the calibration windows through the model and scores every window of n blocks by the mean
        angular distance between its input and output hidden states; the lowest wins (--spans K picks K
        non-overlapping windows greedily and merges adjacent ones). Pass 2 streams the calibration set to the end
        of the span and accumulates G = MᵀM and C = Mᵀ(L_end − Y) in Float64 over every token position; T solves
        (G + αI)T = C by Cholesky and is folded into the kept block's down_proj (W ← Tᵀ·W). With one span the two
        passes are fused: pass 1 also fits the candidate windows, dropping those a paired per-sample test on the
        distances rules out; should the winner have been dropped, pass 2 runs for it (same T either way).
        --method drop removes the same span with no transform (the UIDL baseline).
        --compensate scale (or the *-scale methods) also restores the stream's magnitude at the cut (Prune&Comp): a
        scalar s, with a transform fitted jointly with T in closed form (least squares over s and T together),
        without one Prune&Comp's ratio of mean magnitudes; written as 1/s on o_proj/down_proj of every later layer
        (RMSNorm makes that the same function as scaling the prefix by s), so the output is a stock checkpoint.
        --estimator cosine fits T by Adam on ReplaceMe's mean cosine distance over the span's rows, held in memory
        (one more pass; --cosine-memory bounds them, an even subsample beyond). On SmolLM2 it did not beat least
        squares (README), which stays the default. --iterative [STEP] removes STEP blocks per round (1 bare), each
        round scored and fitted on the model pruned so far, the rounds' edits composed into one output; it costs
        about one prune per round and helps most where the cut is deep (SmolLM2 n = 8: −50%/−59% with STEP 2).
        MEMORY: before the passes a line on stderr states the planned peak and what makes it up; --max-memory SIZE
        chooses cached or streaming weights, the batch size and the fused pass so that it fits (fastest first), or
        stops before any work naming what the leanest settings need; the report has the plan and the measured peak.
        The output loads in Hugging Face transformers unchanged; untouched tensors are byte-for-byte copies.
        A JSON report (inputs and hashes, options, distances, spans, residuals, timings, peak memory) is written
        to <output>/replaceme-report.json. The output appears only when complete.

        Choices that differ from the published reference (each documented in the source):
          * regression rows are all real token positions, the first included; windows are full, so no padding;
          * the last block's output enters distances and targets raw, not final-normed (--final-norm-quirk for parity);
          * activations are Float32 (the reference profiles a 4-bit model).

        EXAMPLE: replaceme prune models/smollm2-135m-bf16-sharded --output out/smollm2-pruned --ratio 0.25
        """,
        positionals: [.init("checkpoint", "The input Hugging Face checkpoint directory, or a GGUF file (converted once to Float32 in the cache).")],
        options: [
            .value("output", "DIR", "Where to write the pruned checkpoint (required unless --dry-run; must not exist or be "
                   + "empty, unless --force)."),
            .value("layers", "N", "Layers to remove in total."),
            .value("ratio", "R", "Fraction of the layers to remove (rounded to the nearest count), instead of --layers."),
            .value("method", "M", "replaceme (fold the transform), drop (remove only), replaceme-select (replaceme "
                   + "with --select perplexity, about 2.3x the time); drop-scale, replaceme-scale and replaceme-scale-select "
                   + "add --compensate scale to them (replaceme-scale-select measured best on SmolLM2, see README); "
                   + "replaceme-iterative is replaceme with --iterative 1, replaceme-cosine with --estimator cosine. "
                   + "multipruner: attention/MLP sub-blocks, then MLP channel groups, then KV groups, greedy by calibration "
                   + "perplexity, to --ratio of the parameters (default calibration 8 × 512); blockpruner: sub-blocks only.",
                   default: "replaceme"),
        ] + CalibrationOptions.options + [
            .value("spans", "K", "Number of windows of --layers/K blocks, chosen greedily.", default: "1"),
            .value("start", "I", "Force one span starting at layer I (0-based first removed layer; skips pass 1)."),
            .value("select", "HOW", "Choose the span by 'distance' (lowest angular distance, the published method), "
                   + "'perplexity' (among the --candidates lowest-distance windows, the lowest calibration perplexity "
                   + "without it, each with its own T) or 'kl' (the same candidates, the lowest mean KL divergence from "
                   + "the dense model's next-token distribution).", default: "distance"),
            .value("candidates", "K", "With --select perplexity: windows shortlisted by distance.", default: "8"),
            .value("select-windows", "W", "With --select perplexity: calibration windows scored per candidate.", default: "8"),
            .flag("select-all-windows", "With --select: score every candidate on all W windows (default: a candidate stops "
                  + "being scored once it trails the lowest by 4 standard errors of the per-window differences, from 3 windows)."),
            .value("compensate", "HOW", "'none' or 'scale': a scalar s restoring the stream's magnitude at the cut "
                   + "(Prune&Comp), fitted jointly with T by least squares (with drop: Prune&Comp's ratio of mean "
                   + "magnitudes), folded as 1/s on what every later layer writes.", default: "none"),
            .value("estimator", "E", "'ls' (least squares, the default of replaceme methods) or 'cosine': T minimising "
                   + "ReplaceMe's mean cosine distance by Adam over the span's stored rows, from the least-squares T; one "
                   + "more pass and the rows in memory (--cosine-memory)."),
            .value("cosine-objective", "O", "With --estimator cosine: 'accurate' (cos(X·T + Y, L_end): the measured better "
                   + "on SmolLM2) or 'surrogate' (cos(X·T, L_end − Y), the paper's cheap form).", default: "accurate"),
            .flag("cosine-parity", "With --estimator cosine: the published procedure exactly (T₀ = I, Adam lr 1e-4, "
                  + "1024-row batches, 10 epochs, no rescale)."),
            .value("cosine-start", "S", "With --estimator cosine: T₀, 'ls' (the least-squares T) or 'identity' (the paper's).",
                   default: "ls"),
            .value("cosine-rescale", "on|off", "With the surrogate objective: multiply the fitted T by the scalar α that "
                   + "fits L_end − Y best by least squares (the surrogate sees T's direction only).", default: "on"),
            .value("cosine-epochs", "N", "With --estimator cosine: passes over the rows.", default: "10"),
            .value("cosine-lr", "LR", "With --estimator cosine: Adam's learning rate.", default: "1e-4"),
            .value("cosine-memory", "SIZE", "With --estimator cosine: bytes the stored rows may take; beyond it an even "
                   + "subsample of rows (said on stderr and in the report).", default: "1GiB"),
            .optionalValue("iterative", "STEP", "Remove STEP blocks at a time, re-scoring and re-fitting on the model "
                   + "pruned so far, until --layers are gone; with --select perplexity and STEP 1, SLEB's greedy removal.",
                           implicit: "1"),
            .value("targets", "T", "With --iterative: fit each round's T to the pruned-so-far model's own output ('edited') "
                   + "or to the dense model's at the same depth ('dense').", default: "edited"),
            .value("ridge", "ALPHA", "Ridge α added to the Gram matrix diagonal (0 = plain least squares; the solver "
                   + "raises it automatically if the matrix is singular).", default: "0"),
            .value("distance-tokens", "WHICH", "Positions averaged in the distances: last or all.", default: "last"),
            .flag("final-norm-quirk", "Use RMSNorm_final(L_{L-1}) for the last layer, as the reference's HF indexing does."),
            .value("export-ids", "FILE", "Also write the calibration windows as pre-tokenized JSONL (for other tools; "
                   + "must not exist unless --force)."),
            .value("max-memory", "SIZE", "Memory budget (e.g. 6GiB, 800MB): the residency, batch size and fused pass "
                   + "are chosen so the planned peak fits; an error before any work if it cannot."),
            .flag("two-pass", "Run pass 2 separately even when pass 1 can fit the candidate windows "
                  + "(the default for one span: same result, one forward pass less)."),
            .value("save-transforms", "FILE", "Also write each span's T (F64 [D, D], T.0, T.1, ...) as safetensors "
                   + "(must not exist unless --force)."),
            .value("save-plan", "FILE", "Also write the chosen plan as JSON (its transforms beside it, FILE without .json "
                   + "+ .transforms.safetensors), for 'perplexity --plan' and 'apply' (must not exist unless --force)."),
            .value("distribution", "A:B:C", "multipruner: shares of --ratio for sub-blocks, MLP channels and KV groups "
                   + "(cumulative stage targets).", default: "44:52:4"),
            .value("mlp-group", "N", "multipruner: MLP channels removed per step (must divide intermediate_size; "
                   + "default intermediate_size / 8)."),
            .value("kv-groups", "N", "multipruner: KV groups (with their query heads) removed per step.", default: "1"),
            .value("format", "F", "multipruner/blockpruner output: per-layer (smaller tensors, per_layer_config in "
                   + "config.json), padded (original widths with zeros: loads in stock transformers) or decilm (DeciLM "
                   + "block_configs; needs --distribution A:B:0 and --mlp-group a multiple of 256).", default: "per-layer"),
            .flag("dry-run", "Choose the plan but write no checkpoint (with --save-plan: the plan only)."),
            .flag("no-hash", "Do not record SHA-256 hashes of the input and output files in the report."),
            .flag("force", "Replace a non-empty output directory (and existing --save-transforms / --export-ids / "
                  + "--save-plan files)."),
            .flag("json", "Print the full report as JSON instead of the summary."),
        ],
        required: [["output", "dry-run"], ["layers", "ratio"]],
        run: { args, context in
            let dryRun = args.flag("dry-run")
            let outputPath = args.string("output")
            if dryRun && outputPath != nil { throw args.usageError("'--dry-run' writes no checkpoint; drop '--output'") }
            if !dryRun && outputPath == nil { throw args.usageError("missing option '--output DIR' (or '--dry-run')") }
            if let variant = MultiPrunerOptions.Variant(rawValue: args.string("method") ?? "") {
                return try runMultiPruner(variant, args: args, context: context, output: outputPath.map { URL(fileURLWithPath: $0) })
            }
            for name in ["distribution", "mlp-group", "kv-groups", "format"] where args.string(name) != nil {
                throw args.usageError("'--\(name)' goes with '--method multipruner' or '--method blockpruner'")
            }
            let layers = try args.int("layers", in: 1...100_000)
            let ratio = try args.double("ratio", in: 0...1)
            // Judged without the checkpoint, so a usage error (64) like every option value that can be.
            if let r = ratio, !(r > 0 && r < 1) {
                throw args.usageError("option '--ratio' must be a fraction strictly between 0 and 1 (the share of layers to remove), got '\(args.string("ratio")!)'")
            }
            guard (layers == nil) != (ratio == nil) else {
                throw args.usageError("give exactly one of '--layers N' and '--ratio R'")
            }
            let method = PruneOptions.Method(rawValue: try args.choice("method", methodNames) ?? "replaceme")!
            let spans = try args.int("spans", in: 1...1000) ?? 1
            let start = try args.int("start", in: Int.min...Int.max)
            if start != nil && spans != 1 { throw args.usageError("'--start' forces one span; it cannot be combined with '--spans'") }
            let ridge = try args.double("ridge", in: 0...Double.greatestFiniteMagnitude) ?? 0
            let select = try args.choice("select", ["distance", "perplexity", "kl"]) ?? "distance"
            let candidates = try args.int("candidates", in: 1...1000) ?? 8
            let selectWindows = try args.int("select-windows", in: 1...1_000_000) ?? 8
            let compensate = Compensation(rawValue: try args.choice("compensate", Compensation.allCases.map(\.rawValue)) ?? "none")!
            if method.compensation == .scale && args.string("compensate") != nil {
                throw args.usageError("'--method \(method.rawValue)' compensates by scale already; use '--compensate' with replaceme, drop or replaceme-select")
            }
            if (select != "distance" || method.selection != nil) && (spans != 1 || start != nil) {
                throw args.usageError("'--select perplexity' chooses one span: it cannot be combined with '--spans' or '--start'")
            }
            if method.selection != nil && args.string("select") != nil {
                throw args.usageError("'--method \(method.rawValue)' selects by perplexity; use '--method replaceme --select ...' to choose")
            }
            if select == "distance" && method.selection == nil && (args.string("candidates") != nil || args.string("select-windows") != nil || args.flag("select-all-windows")) {
                throw args.usageError("'--candidates', '--select-windows' and '--select-all-windows' go with '--select perplexity' or '--select kl'")
            }
            let estimator = try args.choice("estimator", ["ls", "cosine"]).map { SpanEstimator(rawValue: $0)! }
            let iterative = try args.int("iterative", in: 1...100_000) ?? method.iterativeStep
            let targets = PruneOptions.Targets(rawValue: try args.choice("targets", PruneOptions.Targets.allCases.map(\.rawValue)) ?? "edited")!
            if iterative == nil && args.string("targets") != nil { throw args.usageError("'--targets' goes with '--iterative [STEP]'") }
            if iterative != nil && (spans != 1 || start != nil) {
                throw args.usageError("'--iterative' chooses one span per round: it cannot be combined with '--spans' or '--start'")
            }
            if targets == .dense && (estimator ?? method.estimator) == .cosine {
                throw args.usageError("'--targets dense' goes with the least-squares estimator; the cosine estimator fits the model's own rows")
            }
            let cosine = try cosineSettings(args, estimator: estimator, method: method, compensate: compensate)
            let tokens = try CalibrationOptions.distanceTokens(args)
            let calibration = try CalibrationOptions.parse(args)
            let maxMemory = try args.byteSize("max-memory")

            let input = try context.checkpointDirectory(args.positional(0)!)
            let output = outputPath.map { URL(fileURLWithPath: $0) }
            let pruner = try Pruner(checkpointDirectory: input)
            let count = layers ?? Int((ratio! * Double(pruner.numLayers)).rounded())
            guard count >= 1 else {
                throw args.usageError("--ratio \(ratio!) of \(pruner.numLayers) layers removes no layer")
            }
            if count % spans != 0 {
                throw args.usageError("--layers \(count) is not a multiple of --spans \(spans)")
            }
            var options = PruneOptions(layersToRemove: count, method: method)
            options.spans = spans
            options.forcedStart = start
            options.ridge = ridge
            options.distanceTokens = tokens
            options.finalNormQuirk = args.flag("final-norm-quirk")
            options.force = args.flag("force")
            options.hashFiles = !args.flag("no-hash")
            options.twoPass = args.flag("two-pass")
            options.saveTransforms = args.string("save-transforms").map { URL(fileURLWithPath: $0) }
            options.savePlan = args.string("save-plan").map { URL(fileURLWithPath: $0) }
            options.compensation = compensate
            if select != "distance" || method.selection != nil {
                options.selection = .perplexity(candidates: candidates, windows: selectWindows)
                options.selectionMetric = select == "kl" ? .kl : .perplexity
                options.selectionRace = !args.flag("select-all-windows")
            }
            options.maxMemory = maxMemory
            options.estimator = estimator
            options.iterative = iterative
            options.targets = targets
            if let cosine {
                options.cosine = cosine.settings
                options.cosineRowBudget = cosine.budget
            }
            try pruner.validate(options, output: output)   // before tokenizing or computing anything
            _ = try pruner.planMemory(options, samples: calibration.samples, seqLen: calibration.seqLen)   // a budget too small: before any work
            let exportIds = args.string("export-ids").map { URL(fileURLWithPath: $0) }
            if let url = exportIds { try Pruner.checkSideFile(url, force: options.force) }

            let set = try calibrationSet(pruner, calibration, exportIds: exportIds)
            let report = try pruner.prune(calibration: set, options: options, output: output,
                                          toolVersion: ToolVersion.current, progress: CalibrationOptions.progress(context))
            try printResult(args, context, json: report.jsonData, summary: { summary(report) })
            return 0
        })

    /// The cosine estimator's settings from `--cosine-*` (nil unless `--estimator cosine`), refusing them elsewhere.
    static func cosineSettings(_ args: ParsedArguments, estimator: SpanEstimator?, method: PruneOptions.Method,
                               compensate: Compensation) throws -> (settings: CosineTransformFitter.Settings, budget: Int)? {
        let names = ["cosine-objective", "cosine-epochs", "cosine-lr", "cosine-start", "cosine-rescale", "cosine-memory"]
        if estimator != nil && method.estimator == .identity {
            throw args.usageError("'--method \(method.rawValue)' fits no transform; '--estimator' goes with the replaceme methods")
        }
        guard (estimator ?? method.estimator) == .cosine else {
            for name in names where args.string(name) != nil {
                throw args.usageError("'--\(name)' goes with '--estimator cosine'")
            }
            if args.flag("cosine-parity") { throw args.usageError("'--cosine-parity' goes with '--estimator cosine'") }
            return nil
        }
        if compensate == .scale || method.compensation == .scale {
            throw args.usageError("'--estimator cosine' has no joint scale: its objective does not see the stream's magnitude; drop '--compensate scale' (or the -scale method)")
        }
        var settings = CosineTransformFitter.Settings()
        if args.flag("cosine-parity") {
            for name in names.dropLast() where args.string(name) != nil {
                throw args.usageError("'--cosine-parity' fixes the published settings; drop '--\(name)'")
            }
            settings = .parity
        } else {
            settings.objective = CosineTransformFitter.Objective(
                rawValue: try args.choice("cosine-objective", CosineTransformFitter.Objective.allCases.map(\.rawValue)) ?? "accurate")!
            settings.epochs = try args.int("cosine-epochs", in: 1...10_000) ?? settings.epochs
            settings.learningRate = try args.double("cosine-lr", in: Double.leastNonzeroMagnitude...1) ?? settings.learningRate
            settings.start = CosineTransformFitter.Start(
                rawValue: try args.choice("cosine-start", CosineTransformFitter.Start.allCases.map(\.rawValue)) ?? "ls")!
            settings.rescale = try args.choice("cosine-rescale", ["on", "off"]).map { $0 == "on" } ?? true
        }
        let budget = try args.byteSize("cosine-memory") ?? (1 << 30)
        return (settings, budget)
    }

    /// ", estimator cosine" when the estimator differs from least squares, and the iteration when there is one.
    static func estimatorNote(_ r: PruneReport) -> String {
        (r.options.estimator == "cosine" ? ", estimator cosine" : "")
            + (r.options.iterative.map { ", iterative \($0) at a time (targets \(r.options.targets ?? "edited"))" } ?? "")
    }

    /// Loads the calibration windows and, with `--export-ids` (its destination checked already), writes them.
    static func calibrationSet(_ pruner: Pruner, _ c: (files: [URL], samples: Int, seqLen: Int), exportIds: URL?) throws -> CalibrationSet {
        let set = try pruner.loadCalibration(files: c.files, samples: c.samples, seqLen: c.seqLen)
        if let url = exportIds { try Pruner.writeSideFile(Data(set.idsJSONL().utf8), to: url) }
        return set
    }

    /// The report as JSON with `--json`, else the human summary, on stdout.
    static func printResult(_ args: ParsedArguments, _ context: CommandContext, json: () throws -> Data, summary: () -> String) throws {
        if args.flag("json") {
            context.writeOut(String(decoding: try json(), as: UTF8.self) + "\n")
        } else {
            context.writeOut(summary())
        }
    }

    /// Every `--method` name.
    static let methodNames = PruneOptions.Method.allCases.map(\.rawValue) + MultiPrunerOptions.Variant.allCases.map(\.rawValue)

    /// The short human summary printed on stdout.
    static func summary(_ r: PruneReport) -> String {
        var s = r.output.map { "Pruned \(r.input) (\(r.inputLayers) layers) → \($0) (\(r.outputLayers) layers), method \(r.options.method)\(estimatorNote(r))\n" }
            ?? "Plan for \(r.input) (\(r.inputLayers) layers → \(r.outputLayers)), method \(r.options.method)\(estimatorNote(r)); no checkpoint written (--dry-run)\n"
        for span in r.spans {
            if let round = span.round, let layers = span.layers {
                let contiguous = layers == Array(layers[0]...layers[layers.count - 1])
                s += "  round \(round): removed layer" + (layers.count > 1 ? "s " : " ")
                    + (contiguous ? (layers.count > 1 ? "\(layers[0])...\(layers.last!)" : "\(layers[0])") : layers.map(String.init).joined(separator: ", "))
            } else {
                s += "  removed layers \(span.start)...\(span.end)"
            }
            if let d = span.distance { s += String(format: " (mean angular distance %.4f)", d) }
            if let k = span.foldedInto { s += "; layer \(k)'s down_proj absorbed T" }
            if let scale = span.scale { s += String(format: "; magnitude scale s = %.4f (later layers write ÷ s)", scale) }
            if let r = span.rejectedScale { s += String(format: "; no scale: the joint optimum s = %.4f is not positive", r) }
            s += "\n"
            if let f = span.fit {
                s += String(format: "    regression residual %.4f (no transform: %.4f); end-of-span state error %.4f (no transform: %.4f)\n",
                            f.relativeResidual, f.identityRelativeResidual, f.streamRelativeError, f.identityStreamRelativeError)
                if f.usedFallback { s += String(format: "    the Gram matrix was singular: ridge raised to %.3g\n", f.ridge) }
                if f.underdetermined {
                    s += "    warning: \(f.rows) calibration rows for a \(f.width)×\(f.width) transform: the fit interpolates them "
                        + "(residual near 0 by construction); use more --samples × --seq-len or --ridge\n"
                }
            }
            if let c = span.cosine {
                s += String(format: "    cosine estimator (%@, from %@): mean cosine distance %.5f → %.5f in %d Adam steps over %d rows%@, %.1f s\n",
                            c.objective.rawValue, c.start == .identity ? "T = I" : "least squares", c.lossStart, c.lossEnd, c.steps, c.rows,
                            c.rowStride > 1 ? " (1 in \(c.rowStride) of \(c.calibrationRows))" : "", c.seconds)
                if let alpha = c.rescale { s += String(format: "    rescaled by α = %.4f (least squares on L_end − Y)\n", alpha) }
            }
        }
        if let candidates = r.selection {
            // The race's finishers were scored on every window; the others only on the first few, so their figures
            // are listed apart and are not comparable.
            let most = candidates.map(\.windows).max() ?? 0
            let kl = r.options.selection == "kl"
            func figure(_ c: PerplexitySelector.Candidate) -> String {
                kl ? String(format: "%d-%d %.4f %.2f", c.start, c.end, c.klDivergence ?? .nan, c.perplexity)
                   : String(format: "%d-%d %.2f", c.start, c.end, c.perplexity)
            }
            s += (kl ? "  selected by KL divergence from the dense model (nats/token, perplexity)" : "  selected by calibration perplexity")
                + " among \(candidates.count) candidate spans on \(most) calibration windows: "
                + candidates.filter { $0.windows == most }.map(figure).joined(separator: ", ") + "\n"
            let out = candidates.filter { $0.windows < most }
            if !out.isEmpty {
                s += "    stopped early by the race (on the windows they ran): "
                    + out.map { figure($0) + " (\($0.windows))" }.joined(separator: ", ") + "\n"
            }
        }
        if let f = r.fusedPass {
            s += "  fused pass: candidate windows fitted per batch \(f.fittedPerBatch.map(String.init).joined(separator: ", ")) "
                + "of \(f.candidates)" + (f.secondPass ? "; a window it had dropped was needed after all, so pass 2 fitted it\n" : "\n")
        }
        let t = r.timings
        let phases = ["calibration", "distances", "distances+statistics", "select", "statistics", "solve", "cosine", "write", "hash"].compactMap { k in t[k].map { String(format: "%@ %.1f s", k, $0) } }
        s += "  calibration \(r.options.samples) × \(r.options.seqLen) tokens; " + phases.joined(separator: ", ")
            + String(format: "; total %.1f s; peak memory %.2f GiB\n", t["total"] ?? 0, Double(r.peakMemoryBytes) / 1_073_741_824)
        if let m = r.memory {
            s += "  memory: planned peak \(MemoryPlan.format(m.plannedPeak))" + (m.budget.map { " (budget \(MemoryPlan.format($0)))" } ?? "")
                + ", measured \(MemoryPlan.format(m.measuredPeak ?? r.peakMemoryBytes)); \(m.residency) weights, "
                + "batches of \(m.batchRows) rows\n"
        }
        if let plan = r.plan { s += "  plan: \(plan)\n" }
        if let output = r.output { s += "  report: \(output)/\(Pruner.reportFileName)\n" }
        return s
    }
}
