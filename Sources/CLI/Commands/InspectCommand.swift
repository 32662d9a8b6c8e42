/// `replaceme inspect <checkpoint-dir> [--json]` — PLACEHOLDER: filled by the foundation work.
enum InspectCommand {
    static let spec = CommandSpec(
        name: "inspect",
        summary: "Describe a checkpoint: architecture, layers, parameters, dtypes, shards (reads no tensor data).",
        positionals: [.init("checkpoint-dir", "A Hugging Face checkpoint directory.")],
        options: [.flag("json", "Print machine-readable JSON.")],
        run: { _, _ in throw UsageError("inspect is not implemented yet") })
}
