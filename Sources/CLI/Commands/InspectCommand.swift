import Foundation
import Llama
import SafeTensors

/// `replaceme inspect <checkpoint-dir> [--json]`: what a checkpoint is, from config.json and the safetensors
/// headers alone (no tensor data is read, so it is instant and small even for large models).
enum InspectCommand {
    static let spec = CommandSpec(
        name: "inspect",
        summary: "Describe a checkpoint: architecture, layers, parameters, dtypes, shards (reads no tensor data).",
        discussion: """
        The checkpoint is validated as it is read: every safetensors header, the shard index, and every tensor's
        shape against config.json. A problem is reported naming the file and tensor.
        """,
        positionals: [.init("checkpoint", "A Hugging Face checkpoint directory (config.json + *.safetensors), or a GGUF file (converted once to Float32 in the cache).")],
        options: [.flag("json", "Print machine-readable JSON.")],
        run: { args, context in
            let dir = try context.checkpointDirectory(args.positional(0)!)
            let checkpoint = try LlamaCheckpoint(directory: dir)
            let summary = CheckpointSummary(checkpoint, path: args.positional(0)!)
            if args.flag("json") {
                try context.printJSON(summary.json)
            } else {
                context.writeOut(summary.text)
            }
            return 0
        })
}
