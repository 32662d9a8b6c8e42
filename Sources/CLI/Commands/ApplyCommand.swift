import Foundation
import Pruning

/// `replaceme apply <checkpoint-dir> --plan PLAN.json --output DIR [--force] [--json]`: writes a saved plan.
enum ApplyCommand {
    static let spec = CommandSpec(
        name: "apply",
        summary: "Write the checkpoint a saved pruning plan describes (what prune would have written).",
        discussion: """
        The plan comes from 'replaceme prune ... --save-plan PLAN.json' (optionally with --dry-run); its transforms
        file is read from beside it. The plan's model dimensions must match the checkpoint's. Dropped layers'
        tensors are left out and later layers renumbered; each transform is folded into its layer's down_proj
        (W <- T^T W in Float64, rounded once to the stored dtype); every other tensor is copied byte for byte, so
        the tensors equal those prune writes for the same plan. By default (--format uniform) the output is a stock
        Hugging Face checkpoint, so a plan that drops only a sub-block or keeps some channels or KV groups (one from
        --method multipruner or blockpruner) is refused; --format per-layer writes it with smaller tensors and
        per_layer_config, --format padded as the same function at the original widths (zeros where something was
        removed; loads in stock transformers), --format decilm as the per-layer tensors with DeciLM's block_configs
        (nemotron-nas; refused where DeciLM cannot express the plan: fewer query heads, MLP widths not multiples of
        256, biases). The output, with replaceme-report.json inside, appears only when complete.

        EXAMPLE: replaceme prune models/smollm2-135m-bf16 --ratio 0.25 --dry-run --save-plan out/plan.json
                 replaceme apply models/smollm2-135m-bf16 --plan out/plan.json --output out/smollm2-pruned
        """,
        positionals: [.init("checkpoint", "The input Hugging Face checkpoint directory the plan was made for, or a GGUF file (converted once to Float32 in the cache).")],
        options: [
            .value("plan", "PLAN.json", "The pruning plan to apply (required)."),
            .value("output", "DIR", "Where to write the checkpoint (required; must not exist or be empty, unless --force)."),
            .value("format", "F", "uniform (a stock checkpoint), per-layer, padded or decilm (for plans with sub-block or "
                   + "width edits).", default: "uniform"),
            .flag("force", "Replace a non-empty output directory."),
            .flag("json", "Print the report as JSON."),
        ],
        required: [["plan"], ["output"]],
        run: { args, context in
            guard let planPath = args.string("plan") else { throw args.usageError("missing option '--plan PLAN.json'") }
            guard let outputPath = args.string("output") else { throw args.usageError("missing option '--output DIR'") }
            final class Holder: @unchecked Sendable { var bar: ProgressBar? }
            let holder = Holder()   // the tensor count is known once the checkpoint is open
            let layout = PrunedCheckpointWriter.Layout(rawValue: try args.choice("format", ["uniform", "per-layer", "padded", "decilm"]) ?? "uniform")!
            let report = try PlanApplier.apply(checkpointDirectory: try context.checkpointDirectory(args.positional(0)!),
                                               plan: URL(fileURLWithPath: planPath), output: URL(fileURLWithPath: outputPath),
                                               force: args.flag("force"), layout: layout, toolVersion: ToolVersion.current,
                                               progress: { done, total in
                if holder.bar == nil { holder.bar = context.progress("write", total: total, unit: "tensors") }
                holder.bar?.update(done)
            })
            holder.bar?.finish()
            if args.flag("json") {
                context.writeOut(String(decoding: try report.jsonData(), as: UTF8.self) + "\n")
            } else {
                context.writeOut("""
                Applied \(report.plan) (method \(report.method)) to \(report.input) (\(report.inputLayers) layers) → \
                \(report.output) (\(report.outputLayers) layers)
                  dropped layers \(report.droppedLayers.map(String.init).joined(separator: ", ")); \
                transforms folded into layers \(report.transformedLayers.map(String.init).joined(separator: ", "))
                  report: \(report.output)/\(Pruner.reportFileName)

                """)
            }
            return 0
        })
}
