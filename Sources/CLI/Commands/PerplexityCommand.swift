import Foundation
import Llama
import Pruning
import Tokenization

/// `replaceme perplexity <checkpoint-dir> (--text FILE | --jsonl FILE) [--seq-len N] [--max-tokens N] [--json]`
enum PerplexityCommand {
    static let spec = CommandSpec(
        name: "perplexity",
        summary: "Perplexity of a checkpoint on a text, over non-overlapping windows (Float32 forward pass).",
        discussion: """
        WINDOWS AND BOS:
          The text is tokenized once, without special tokens. With a BOS id (config.json bos_token_id, unless
          --no-bos), it is cut into consecutive pieces of seq-len-1 tokens and each window is [BOS] + piece, so
          every text token is scored (the first from BOS alone). With --no-bos (or no bos_token_id), pieces and
          windows are seq-len tokens and the first token of each window is not scored. A trailing partial piece
          is dropped; a text shorter than one piece is an error. --max-tokens caps the text tokens read (whole
          windows only). Windows never see each other (no carried-over context).
        OUTPUT:
          perplexity = exp(mean NLL) over scored tokens; tokens/s counts every token pushed through the model
          (windows x seq-len) over the wall time of the forward passes and the NLL (progress on stderr); with
          cached weights their conversion is timed apart (load seconds), with streaming it is part of the pass.
          --jsonl reads one JSON object per line and uses its "text" field; documents are joined with a blank line.
          --layers-only times the decoder layers alone (no vocabulary projection, no perplexity), which is what
          calibration runs.
        PLANS:
          --plan PLAN.json evaluates the checkpoint as the plan edits it (replaceme prune --save-plan), in memory:
          dropped blocks and sub-blocks are skipped, kept channels and groups run narrower weights, and transforms
          run folded and rounded exactly as 'replaceme apply' writes them, so the figure equals the perplexity of
          the written checkpoint.
        MEMORY:
          Weights are converted to Float32 one layer at a time from the mapped checkpoint; they are kept for later
          windows when the whole model in Float32 fits in a quarter of RAM (--residency cached), otherwise every
          batch of windows streams the layers again (--residency streaming), so checkpoints larger than RAM run.
          Before the forward passes a line on stderr states what the run will hold (weights, activations) and
          its planned peak; --max-memory SIZE chooses the residency and windows per batch (unless given) so that
          the planned peak fits, or stops with an error naming what the leanest settings need.
        """,
        positionals: [.init("checkpoint", "A Hugging Face checkpoint directory (config.json, *.safetensors, tokenizer.json), or a GGUF file (converted once to Float32 in the cache).")],
        options: [
            .value("text", "FILE", "A UTF-8 text file to score."),
            .value("jsonl", "FILE", "A JSON-lines file; each line's \"text\" field is scored."),
            .value("seq-len", "N", "Window length in tokens, BOS included.", default: "1024"),
            .value("max-tokens", "N", "Read at most N text tokens.", default: "all"),
            .flag("no-bos", "Do not prepend BOS to each window."),
            .value("windows-per-batch", "N", "Windows pushed through each layer together.", default: "max(1, 4096 / seq-len)"),
            .value("plan", "PLAN.json", "Evaluate the checkpoint as this pruning plan edits it, without writing it."),
            .value("residency", "MODE", "Float32 weights: auto, cached or streaming.", default: "auto"),
            .value("max-memory", "SIZE", "Memory budget (e.g. 6GiB, 800MB) the planned peak must fit."),
            .flag("layers-only", "Time the decoder layers only (no logits, no perplexity)."),
            .flag("json", "Print machine-readable JSON."),
        ],
        required: [["text", "jsonl"]],
        run: run)

    static func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        let dirPath = args.positional(0)!
        let textPath = args.string("text"), jsonlPath = args.string("jsonl")
        guard (textPath == nil) != (jsonlPath == nil) else {
            throw args.usageError("give exactly one of --text FILE or --jsonl FILE")
        }
        let seqLen = try args.int("seq-len", in: 2...1_048_576) ?? 1024
        let maxTokens = try args.int("max-tokens", in: 1...Int.max)
        let perBatch = try args.int("windows-per-batch", in: 1...4096)
        let residency = try args.choice("residency", ["auto", "cached", "streaming"]).flatMap { LlamaModel.Residency(rawValue: $0) }
        let layersOnly = args.flag("layers-only")
        let maxMemory = try args.byteSize("max-memory")

        // Every byte of the file is text (a leading BOM and CR LF too, as Python reads it with `newline=""`).
        let documents = try TextFile.documents(URL(fileURLWithPath: textPath ?? jsonlPath!), bom: .keep, jsonl: jsonlPath != nil)
        guard !documents.isEmpty, !documents.allSatisfy(\.isEmpty) else { throw CLIError.emptyInput(path: textPath ?? jsonlPath!) }
        let text = documents.joined(separator: "\n\n")
        let dir = try context.checkpointDirectory(dirPath)
        let source = try CheckpointWeights(directory: dir)
        let tokenizer = try Tokenizer(directory: dir)
        let tokens = tokenizer.encode(text, addSpecialTokens: false).map { Int32(truncatingIfNeeded: $0) }
        try VocabularyCheck.require(tokens, vocabSize: source.geometry.vocabSize, file: textPath ?? jsonlPath!, tokenName: tokenizer.token(for:))
        let bos: Int32? = args.flag("no-bos") ? nil : source.checkpoint.config.raw["bos_token_id"]?.intValue.map { Int32($0) }

        let plan = try args.string("plan").map { try PruningPlan.read(URL(fileURLWithPath: $0), for: source.geometry) }
        let windows = (maxTokens.map { min($0, tokens.count) } ?? tokens.count) / max(bos == nil ? seqLen : seqLen - 1, 1)
        let memory = try MemoryPlanner.perplexity(
            geometry: source.geometry, biases: source.biasLayout, seqLen: seqLen, windows: windows, windowsPerBatch: perBatch,
            logits: !layersOnly, editedLayers: plan?.edit.layers.filter { $0.changesWeights }.count ?? 0,
            budget: maxMemory, residency: residency, storedElementBytes: ForwardMemory.storedElementBytes(source))
        context.printError(memory.summary)
        let model = try LlamaModel(source: source, residency: LlamaModel.Residency(rawValue: memory.residency)!)
        let loadStart = Date()
        if model.residency == .cached {
            let loading = context.progress("loading", total: model.geometry.layerCount, unit: "layers")
            try model.preload(head: !layersOnly) { done, _ in loading.update(done) }
            loading.finish()
        }
        let loadSeconds = Date().timeIntervalSince(loadStart)
        let evaluator = PerplexityEvaluator(model: model, edit: plan?.edit, seqLen: seqLen, bos: bos,
                                            windowsPerBatch: memory.batchRows / seqLen)
        let windowCount = try evaluator.windows(of: tokens, maxTokens: maxTokens).count
        let bar = context.progress("perplexity (\(windowCount) windows)", total: windowCount * model.geometry.layerCount,
                                   unit: "window-layers")
        let result = try evaluator.evaluate(tokens: tokens, maxTokens: maxTokens, scoreLogits: !layersOnly,
                                            progress: { done, _ in bar.update(done) })
        bar.finish()

        if args.flag("json") {
            try context.printJSON([
                "checkpoint": dirPath, "text": textPath ?? jsonlPath!, "seq_len": seqLen,
                "bos": bos.map { Int($0) as Any } ?? NSNull(),
                "windows": result.windows, "tokens": result.scoredTokens, "processed_tokens": result.processedTokens,
                "perplexity": layersOnly ? NSNull() : result.perplexity as Any,
                "mean_nll": layersOnly ? NSNull() : result.meanNLL as Any,
                "seconds": result.seconds, "tokens_per_second": result.tokensPerSecond, "load_seconds": loadSeconds,
                "residency": model.residency.rawValue, "layers_only": layersOnly,
                "memory": ["budget": maxMemory as Any? ?? NSNull(), "planned_peak": memory.plannedPeak,
                           "measured_peak": ProcessMemory.peak(), "windows_per_batch": memory.batchRows / seqLen],
                "plan": args.string("plan") as Any? ?? NSNull(),
                "layers": plan?.edit.outputLayerCount ?? model.geometry.layerCount,
            ] as [String: Any])
        } else {
            if !layersOnly {
                context.print(String(format: "perplexity: %.4f", result.perplexity))
                context.print(String(format: "mean NLL:   %.6f nats/token", result.meanNLL))
            }
            if let plan, let path = args.string("plan") {
                context.print("plan:       \(path) (\(plan.edit.outputLayerCount) of \(model.geometry.layerCount) layers kept, method \(plan.method))")
            }
            let bosText = bos.map { "BOS \($0) prepended" } ?? "no BOS"
            context.print("tokens:     \(result.scoredTokens) scored in \(result.windows) windows of \(seqLen) (\(bosText))")
            context.print(String(format: "speed:      %.1f tokens/s (%d tokens in %.2f s%@, %@ weights)",
                                 result.tokensPerSecond, result.processedTokens, result.seconds,
                                 layersOnly ? ", layers only" : "", model.residency.rawValue))
            context.print("memory:     planned peak \(MemoryPlan.format(memory.plannedPeak))"
                          + (maxMemory.map { " (budget \(MemoryPlan.format($0)))" } ?? "")
                          + ", measured \(MemoryPlan.format(ProcessMemory.peak())); \(memory.batchRows / seqLen) windows per batch")
        }
        return 0
    }
}
