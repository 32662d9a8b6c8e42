import Foundation
import Llama
import SafeTensors

/// `replaceme convert <checkpoint> <output-dir> [--dtype D] [--max-shard-size SIZE] [--force]`:
/// rewrites a checkpoint through replaceme's reader and writer (change dtype, reshard, or just validate and
/// copy), or writes a GGUF file (llama or qwen2) as the equivalent Hugging Face checkpoint. Tensors stream from
/// the mapped input to the output, one at a time; memory stays small whatever the model size.
enum ConvertCommand {
    static let spec = CommandSpec(
        name: "convert",
        summary: "Copy a checkpoint, changing its dtype or sharding, or turn a GGUF file into a Hugging Face checkpoint.",
        discussion: """
        Tokenizer, generation and other small files are copied; config.json is copied with its dtype updated.
        From a GGUF file (general.architecture llama or qwen2, a gpt2-style vocabulary): tensors are dequantized
        (F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K-Q6_K; exactly, to Float32), renamed, the q/k rows of
        llama files unpermuted; config.json, generation_config.json, tokenizer.json and tokenizer_config.json are
        built from the metadata. --dtype keep means float32 for a GGUF input.
        To a GGUF file (an output path ending in .gguf): the metadata llama.cpp's convert_hf_to_gguf.py writes
        (llama and qwen2; byte-level BPE vocabularies), q/k rows permuted as llama.cpp expects, norms and biases
        in F32 and matrices as --dtype (keep, float32, float16, bfloat16 or q8_0), for llama.cpp to load or to
        quantize further with llama-quantize. A heterogeneous checkpoint (per_layer_config, as prune --method
        multipruner|blockpruner writes it, or DeciLM's block_configs) becomes llama.cpp's deci architecture:
        per-layer head counts and MLP widths, each layer's tensors at its own size (a layer that keeps attention
        but not its MLP carries a zero MLP of 32 channels, which llama.cpp's deci graph needs; layer 0 must keep
        its attention).
        Rotary inv_freq buffers of old checkpoints are dropped (transformers recomputes them).
        The output appears only when complete (written to a hidden temporary sibling, then renamed).
        """,
        positionals: [
            .init("checkpoint", "The input Hugging Face checkpoint directory, or a GGUF file."),
            .init("output", "Where to write: a checkpoint directory (must not exist, be empty, or use --force), or a .gguf file."),
        ],
        options: [
            .value("dtype", "DTYPE", "Output dtype: keep, float32, bfloat16, float16, or q8_0 (GGUF output only).", default: "keep"),
            .value("max-shard-size", "SIZE", "Shard when the weights exceed SIZE (e.g. 2GB, 500MB, 5GiB, bytes).",
                   default: "the input's file layout"),
            .flag("force", "Replace a non-empty output directory."),
        ],
        run: { args, context in
            let dtypeName = try args.choice("dtype", ["keep", "float32", "bfloat16", "float16", "q8_0"]) ?? "keep"
            let target: DType? = ["float32": .f32, "bfloat16": .bf16, "float16": .f16][dtypeName]
            let maxShard = try args.byteSize("max-shard-size")
            let input = URL(fileURLWithPath: args.positional(0)!)
            let output = URL(fileURLWithPath: args.positional(1)!)
            if output.pathExtension.lowercased() == "gguf" {
                guard maxShard == nil else { throw args.usageError("'--max-shard-size' does not apply to a GGUF output") }
                let checkpoint = try LlamaCheckpoint(directory: try context.checkpointDirectory(input.path))
                let keep: GGUFExport.MatrixType = [DType.f32: .f32, .f16: .f16, .bf16: .bf16][checkpoint.weights.dtypeSummary.first?.dtype ?? .f32] ?? .f32
                let type = dtypeName == "keep" ? keep : GGUFExport.MatrixType(rawValue: ["float32": "f32", "float16": "f16", "bfloat16": "bf16", "q8_0": "q8_0"][dtypeName]!)!
                let export = try GGUFExport(checkpoint: checkpoint)
                let bar = context.progress("convert", total: checkpoint.weights.tensorNames.count, unit: "tensors")
                let digest = try export.write(to: output, type: type, replace: args.flag("force"), progress: { done, _ in bar.update(done) })
                bar.finish()
                context.print("Wrote \(output.path): GGUF, \(export.architecture), matrices \(type.rawValue.uppercased()), \(CheckpointSummary.bytes(digest.bytes))")
                return 0
            }
            guard dtypeName != "q8_0" else { throw args.usageError("'--dtype q8_0' is for a GGUF output (a path ending in .gguf)") }
            if try CommandContext.isGGUFInput(input.path) {
                let conversion = try GGUFConversion(url: input)
                let bar = context.progress("convert", total: conversion.model.tensors.count, unit: "tensors")
                let result = try conversion.write(to: output, dtype: target ?? .f32, maxShardBytes: maxShard,
                                                  force: args.flag("force"), progress: { done, _ in bar.update(done) })
                bar.finish()
                printSummary(result, output: output, context)
                return 0
            }
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
            printSummary(result, output: output, context)
            return 0
        })

    static func printSummary(_ result: CheckpointWriter.Result, output: URL, _ context: CommandContext) {
        let total = result.weightFiles.reduce(0) { $0 + $1.bytes }
        context.print("Wrote \(output.path): \(result.tensorCount) tensors in \(result.weightFiles.count) file\(result.weightFiles.count == 1 ? "" : "s"), \(CheckpointSummary.bytes(total))")
        for f in result.weightFiles + result.otherFiles {
            context.print("  \(f.name)  \(CheckpointSummary.bytes(f.bytes))")
        }
    }
}
