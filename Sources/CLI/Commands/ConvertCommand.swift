import Foundation
import Llama
import SafeTensors

/// `replaceme convert <checkpoint-dir> <output-dir> [--dtype D] [--max-shard-size SIZE] [--force]`:
/// rewrites a checkpoint through replaceme's reader and writer (change dtype, reshard, or just validate and
/// copy). Tensors stream from the mapped input to the output; memory stays small whatever the model size.
enum ConvertCommand {
    static let spec = CommandSpec(
        name: "convert",
        summary: "Copy a checkpoint, optionally changing its dtype or sharding (streams; validates on the way).",
        discussion: """
        Tokenizer, generation and other small files are copied; config.json is copied with its dtype updated.
        Rotary inv_freq buffers of old checkpoints are dropped (transformers recomputes them).
        The output appears only when complete (written to a hidden temporary sibling, then renamed).
        """,
        positionals: [
            .init("checkpoint-dir", "The input Hugging Face checkpoint directory."),
            .init("output-dir", "Where to write the new checkpoint (must not exist, be empty, or use --force)."),
        ],
        options: [
            .value("dtype", "DTYPE", "Output dtype: keep, float32, bfloat16 or float16.", default: "keep"),
            .value("max-shard-size", "SIZE", "Shard when the weights exceed SIZE (e.g. 2GB, 500MB, 5GiB, bytes).",
                   default: "the input's file layout"),
            .flag("force", "Replace a non-empty output directory."),
        ],
        run: { args, context in
            let dtypeName = try args.choice("dtype", ["keep", "float32", "bfloat16", "float16"]) ?? "keep"
            let target: DType? = ["float32": .f32, "bfloat16": .bf16, "float16": .f16][dtypeName]
            var maxShard: Int? = nil
            if let s = args.string("max-shard-size") {
                guard let n = ByteSize.parse(s), n > 0 else {
                    throw args.usageError("option '--max-shard-size' must be a size such as 2GB, 500MB or 1000000, got '\(s)'")
                }
                maxShard = n
            }
            let input = URL(fileURLWithPath: args.positional(0)!)
            let output = URL(fileURLWithPath: args.positional(1)!)
            let checkpoint = try LlamaCheckpoint(directory: input)
            let weights = checkpoint.weights
            // Without --max-shard-size the input's file layout is kept (a plain copy reproduces every file).
            var shards: [[TensorWriteSource]] = []
            for file in weights.files {
                var group: [TensorWriteSource] = []
                for name in file.tensorNames where WeightName.parsePart(name)?.part != .rotaryInvFreq {
                    group.append(try target.map { try .converted(name, from: weights, to: $0) } ?? .copy(name, from: weights))
                }
                shards.append(group)
            }
            if maxShard != nil {
                let byName = Dictionary(uniqueKeysWithValues: shards.joined().map { ($0.name, $0) })
                shards = [WeightName.stateDictOrder(Array(byName.keys)).map { byName[$0]! }]
            }
            let config = try checkpoint.config.rewrittenJSON(torchDtype: target?.torchName)
            let writer = CheckpointWriter(output: output, maxShardBytes: maxShard, force: args.flag("force"), inputs: [input])
            let bar = context.progress("convert", total: shards.reduce(0) { $0 + $1.count }, unit: "tensors")
            let files = [(name: "config.json", contents: LlamaConfig.configFileBytes(config))]
            let copying = weights.auxiliaryFiles()
            let progress: (Int, Int) -> Void = { done, _ in bar.update(done) }
            let result = try maxShard == nil
                ? writer.write(shards: shards, files: files, copying: copying, progress: progress)
                : writer.write(tensors: shards.flatMap { $0 }, files: files, copying: copying, progress: progress)
            bar.finish()
            let total = result.weightFiles.reduce(0) { $0 + $1.bytes }
            context.print("Wrote \(output.path): \(result.tensorCount) tensors in \(result.weightFiles.count) file\(result.weightFiles.count == 1 ? "" : "s"), \(CheckpointSummary.bytes(total))")
            for f in result.weightFiles + result.otherFiles {
                context.print("  \(f.name)  \(CheckpointSummary.bytes(f.bytes))")
            }
            return 0
        })
}
