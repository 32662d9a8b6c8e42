import Foundation
import Llama
import Pruning
import Tokenization

/// `replaceme sweep <checkpoint-dir> (--layers 2,4,6,8 | --ratios 0.1,0.2) --methods drop,replaceme --eval FILE[,FILE]`
enum SweepCommand {
    /// Exit code when `--max-perplexity-ratio` is exceeded by the `--gate` configuration.
    static let gateFailedExitCode: Int32 = 3

    static let spec = CommandSpec(
        name: "sweep",
        summary: "Compare pruning ratios and methods from one calibration run, each evaluated in memory (no checkpoint written unless --write).",
        discussion: """
        One calibration pass measures the distances of every span length up to the largest; each n gets its
        lowest-distance span (as prune chooses it with one span). When a method needs a transform, one more pass
        to the end of the last chosen span fits every chosen span at once. Each configuration (method × n) is then
        a pruning plan evaluated on each --eval text as an edited model: per batch of windows the dense model runs
        once, and every configuration resumes from the residual stream entering its first edited layer, so the
        shared prefix is computed once. A configuration's perplexity equals that of the checkpoint prune writes
        for the same span (--write DIR writes them all, DIR/<method>-<n>).
        Methods with calibration passes of their own (replaceme-iterative, replaceme-cosine) run them per
        configuration; multipruner and blockpruner, which prune to a share of the parameters, search at the share
        n whole blocks hold, on their own calibration (--search-samples × --search-seq-len tokens of the same
        files), and are written as per-layer checkpoints. The table marks all of these rows with *.
        OUTPUT:
          a table (method, layers removed, share of parameters removed, span, perplexity and its ratio to dense per
          text), or --format csv|json; --svg FILE plots perplexity (log scale) against the parameters removed, one
          line per method and text, dense as a reference; --distances-svg FILE draws the distance heat map.
        CI GATE:
          --gate METHOD:N --max-perplexity-ratio X exits 3 when that configuration's perplexity is more than X times
          the dense model's on any text, after printing and writing everything (exit 0 otherwise; 1 for errors,
          64 for usage errors). scripts/nightly-prune.sh shows a nightly job.

        EXAMPLE: replaceme sweep models/smollm2-135m-bf16 --layers 2,4,6,8 --methods drop,replaceme \\
                   --eval calibration-samples/eval/botchan.txt,calibration-samples/eval/shakespeare-tragedies.txt --svg sweep.svg
        """,
        positionals: [.init("checkpoint", "The input Hugging Face checkpoint directory, or a GGUF file (converted once to Float32 in the cache).")],
        options: [
            .value("layers", "N[,N...]", "Layer counts to remove, one configuration per method and count."),
            .value("ratios", "R[,R...]", "Fractions of the layers to remove (rounded to the nearest count), instead of --layers."),
            .value("methods", "M[,M...]", "Methods to compare: " + methodNames.joined(separator: ", ") + ".",
                   default: "drop,replaceme"),
            .value("eval", "FILE[,FILE...]", "Held-out texts to score (plain text, or .jsonl with \"text\" fields; required)."),
            .value("eval-tokens", "N", "Score at most N tokens of each text (whole windows).", default: "16368"),
            .value("eval-seq-len", "N", "Evaluation window length, BOS included.", default: "1024"),
        ] + CalibrationOptions.options + [
            .value("search-samples", "N", "multipruner/blockpruner: calibration windows of the greedy search.",
                   default: "\(PruneCommand.multiPrunerSamples)"),
            .value("search-seq-len", "N", "multipruner/blockpruner: tokens per search window.", default: "\(PruneCommand.multiPrunerSeqLen)"),
            .value("ridge", "ALPHA", "Ridge α of the least-squares solve.", default: "0"),
            .value("distance-tokens", "WHICH", "Positions averaged in the distances: last or all.", default: "last"),
            .value("write", "DIR", "Also write every configuration's checkpoint as DIR/<method>-<n> (DIR must not exist or be empty, unless --force)."),
            .value("write-best", "DIR", "Instead of --write: for each layer count only the best configuration's checkpoint (lowest geometric mean "
                   + "of the perplexity ratios to dense over the texts), as DIR/<method>-<n>."),
            .value("svg", "FILE", "Plot perplexity against the parameters removed (SVG)."),
            .value("distances-svg", "FILE", "Draw the distance table as an SVG heat map."),
            .value("format", "F", "Output format: text, csv or json.", default: "text"),
            .value("gate", "METHOD:N", "The configuration --max-perplexity-ratio judges."),
            .value("max-perplexity-ratio", "X", "Exit 3 when the --gate configuration's perplexity exceeds X times dense on any text."),
            .flag("force", "Replace a non-empty --write directory and existing SVG files."),
        ],
        required: [["layers", "ratios"], ["eval"]],
        run: run)

    /// Every name `--methods` takes: the block methods, then MultiPruner and BlockPruner.
    static var methodNames: [String] {
        PruneOptions.Method.allCases.map(\.rawValue) + MultiPrunerOptions.Variant.allCases.map(\.rawValue)
    }

    static func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        // Everything that can be judged without the model is checked first (usage errors, exit 64).
        let layerList = try args.string("layers").map { try intList($0, option: "layers", args) }
        let ratioList = try args.string("ratios").map { try doubleList($0, option: "ratios", args) }
        guard (layerList == nil) != (ratioList == nil) else { throw args.usageError("give exactly one of '--layers N,...' and '--ratios R,...'") }
        let methodNames = try stringList(args.string("methods") ?? "drop,replaceme", option: "methods", args)
        for name in methodNames where !Self.methodNames.contains(name) {
            throw args.usageError("unknown method '\(name)' in --methods (known: \(Self.methodNames.joined(separator: ", ")))")
        }
        if Set(methodNames).count != methodNames.count { throw args.usageError("--methods lists a method twice") }
        let methods = methodNames.compactMap { PruneOptions.Method(rawValue: $0) }
        let parameterMethods = methodNames.compactMap { MultiPrunerOptions.Variant(rawValue: $0) }
        let searchSamples = try args.int("search-samples", in: 1...1_000_000) ?? PruneCommand.multiPrunerSamples
        let searchSeqLen = try args.int("search-seq-len", in: 2...1_048_576) ?? PruneCommand.multiPrunerSeqLen
        guard let evalList = args.string("eval") else { throw args.usageError("missing option '--eval FILE[,FILE...]'") }
        let evalFiles = try stringList(evalList, option: "eval", args).map { URL(fileURLWithPath: $0) }
        let evalTokens = try args.int("eval-tokens", in: 1...Int.max) ?? 16368
        let evalSeqLen = try args.int("eval-seq-len", in: 2...1_048_576) ?? 1024
        let ridge = try args.double("ridge", in: 0...Double.greatestFiniteMagnitude) ?? 0
        let tokens = try CalibrationOptions.distanceTokens(args)
        let format = try args.choice("format", ["text", "csv", "json"]) ?? "text"
        let maxRatio = try args.double("max-perplexity-ratio", in: 1...Double.greatestFiniteMagnitude)
        let gateText = args.string("gate")
        if (maxRatio == nil) != (gateText == nil) {
            throw args.usageError("'--gate METHOD:N' and '--max-perplexity-ratio X' go together")
        }
        let force = args.flag("force")
        let calibration = try CalibrationOptions.parse(args)

        // Then what needs the checkpoint, and every output location, before any calibration work.
        let input = try context.checkpointDirectory(args.positional(0)!)
        let pruner = try Pruner(checkpointDirectory: input)
        let L = pruner.numLayers
        let counts: [Int] = try layerList ?? ratioList!.map { r in
            let n = Int((r * Double(L)).rounded())
            guard n >= 1 else { throw args.usageError("--ratios \(r) of \(L) layers removes no layer") }
            guard n <= L - 2 else { throw args.usageError("--ratios \(r) of \(L) layers removes \(n); at most \(L - 2) can go (layer 0 and one more stay)") }
            return n
        }
        try Sweep.validate(layerCounts: counts, numLayers: L)
        let config = pruner.checkpoint.config
        for variant in parameterMethods {
            for n in counts {
                try MultiPruner.validate(Sweep.searchOptions(variant, n: n, layerParameters: config.layerShape.elementCount,
                                                             totalParameters: config.parameterCount), pruner: pruner, output: nil)
            }
        }
        var gate: (method: String, n: Int)?
        if let gateText {
            let parts = gateText.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, let n = Int(parts[1]), methodNames.contains(String(parts[0])), counts.contains(n) else {
                throw args.usageError("--gate '\(gateText)' must be METHOD:N with a method of --methods and a count of the sweep")
            }
            gate = (String(parts[0]), n)
        }
        if args.string("write") != nil && args.string("write-best") != nil {
            throw args.usageError("give '--write DIR' (every configuration) or '--write-best DIR' (the best per layer count), not both")
        }
        let writeBest = args.string("write-best") != nil
        let writeDir = (args.string("write") ?? args.string("write-best")).map { URL(fileURLWithPath: $0) }
        if let writeDir { try Pruner.checkOutputDirectory(writeDir, input: input, force: force) }
        let svg = args.string("svg").map { URL(fileURLWithPath: $0) }, heat = args.string("distances-svg").map { URL(fileURLWithPath: $0) }
        for url in [svg, heat].compactMap({ $0 }) { try Pruner.checkSideFile(url, force: force) }

        // The evaluation texts, tokenized and checked (at least one window each) before calibration.
        let tokenizer = try Tokenizer(directory: input)
        let bos = pruner.checkpoint.config.raw["bos_token_id"]?.intValue.map { Int32($0) }
        let probe = PerplexityEvaluator(model: pruner.model, seqLen: evalSeqLen, bos: bos)
        let texts = try evalFiles.map { url -> Sweep.EvalText in
            let text = try TextFile.documents(url, bom: .keep).joined(separator: "\n\n")
            let ids = tokenizer.encode(text, addSpecialTokens: false).map { Int32(truncatingIfNeeded: $0) }
            try VocabularyCheck.require(ids, vocabSize: pruner.model.geometry.vocabSize, file: url.path, tokenName: tokenizer.token(for:))
            do { _ = try probe.windows(of: ids, maxTokens: evalTokens) } catch {
                throw CLIError.unreadableFile(path: url.path, reason: "too short to evaluate: \(error)")
            }
            return Sweep.EvalText(name: url.deletingPathExtension().lastPathComponent, tokens: ids)
        }

        let set = try pruner.loadCalibration(files: calibration.files, samples: calibration.samples, seqLen: calibration.seqLen)
        let searchSet = parameterMethods.isEmpty ? nil
            : try pruner.loadCalibration(files: calibration.files, samples: searchSamples, seqLen: searchSeqLen)
        let (report, edits) = try Sweep(pruner: pruner).run(
            calibration: set, layerCounts: counts, methods: methods, parameterMethods: parameterMethods,
            searchCalibration: searchSet, evalTexts: texts, seqLen: evalSeqLen,
            maxTokens: evalTokens, bos: bos, ridge: ridge, distanceTokens: tokens, progress: CalibrationOptions.progress(context))

        switch format {
        case "csv": context.writeOut(report.csv())
        case "json": context.writeOut(String(decoding: try report.jsonData(), as: UTF8.self) + "\n")
        default:
            context.writeOut(report.textTable())
            let t = report.timings
            context.writeOut(String(format: "calibration %d × %d tokens; distances %.1f s, statistics %.1f s, evaluation %.1f s; total %.1f s; peak memory %.2f GiB\n",
                                    report.calibrationSamples, report.calibrationSeqLen, t["distances"] ?? 0, t["statistics"] ?? 0,
                                    t.filter { $0.key.hasPrefix("evaluate") }.values.reduce(0, +), t["total"] ?? 0,
                                    Double(report.peakMemoryBytes) / 1_073_741_824))
        }
        let title = "Perplexity after pruning: \(input.lastPathComponent)"
        if let svg { try Pruner.writeSideFile(Data(report.svg(title: title).utf8), to: svg) }
        if let heat { try Pruner.writeSideFile(Data(report.distances.svg(title: "Angular distance: \(input.lastPathComponent)").utf8), to: heat) }
        if let writeDir {
            try FileManager.default.createDirectory(at: writeDir, withIntermediateDirectories: true)
            let chosen = writeBest ? report.bestRows() : Array(report.rows.indices)
            for i in chosen {
                let row = report.rows[i], edit = edits[i]
                let out = writeDir.appendingPathComponent("\(row.method)-\(row.layersRemoved)")
                if writeBest { context.writeErr("best with \(row.layersRemoved) layers removed: \(row.method), written to \(out.path)\n") }
                try PrunedCheckpointWriter.write(checkpoint: pruner.checkpoint, edit: edit, output: out, force: force,
                                                 layout: row.removed == nil ? .uniform : .perLayer)
            }
        }
        if let gate, let maxRatio, let row = report.row(method: gate.method, layersRemoved: gate.n) {
            let worst = row.ratioToDense.max() ?? 0
            if worst > maxRatio {
                context.writeErr(String(format: "gate failed: %@ with %d layers removed is %.2f× dense (limit %.2f×)\n",
                                        gate.method, gate.n, worst, maxRatio))
                return gateFailedExitCode
            }
            context.writeErr(String(format: "gate passed: %@ with %d layers removed is at most %.2f× dense (limit %.2f×)\n",
                                    gate.method, gate.n, worst, maxRatio))
        }
        return 0
    }

    static func stringList(_ text: String, option: String, _ args: ParsedArguments) throws -> [String] {
        let items = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard !items.isEmpty, !items.contains(where: \.isEmpty) else {
            throw args.usageError("option '--\(option)' needs a comma-separated list without empty items, got '\(text)'")
        }
        return items
    }

    static func intList(_ text: String, option: String, _ args: ParsedArguments) throws -> [Int] {
        try stringList(text, option: option, args).map {
            guard let n = Int($0), n >= 1 else { throw args.usageError("option '--\(option)': '\($0)' is not a positive whole number") }
            return n
        }
    }

    static func doubleList(_ text: String, option: String, _ args: ParsedArguments) throws -> [Double] {
        try stringList(text, option: option, args).map {
            guard let r = Double($0), r > 0, r < 1 else { throw args.usageError("option '--\(option)': '\($0)' is not a fraction between 0 and 1") }
            return r
        }
    }
}
