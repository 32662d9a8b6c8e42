import JSON
import Foundation
import Tokenization

/// `replaceme tokenize <checkpoint-dir> (--text T | --file F) [--no-special-tokens] [--json]`:
/// prints the token ids (and token strings) the checkpoint's tokenizer.json gives, for inspection.
enum TokenizeCommand {
    static let spec = CommandSpec(
        name: "tokenize",
        summary: "Tokenize text with a checkpoint's tokenizer.json (ids identical to Hugging Face tokenizers).",
        discussion: """
        Reads <checkpoint-dir>/tokenizer.json and, if present, tokenizer_config.json. Exactly one of --text and
        --file gives the input. Special tokens written in the text (e.g. <|im_start|>) are recognised; BOS/EOS
        from the post-processor are added unless --no-special-tokens.

        EXAMPLES:
          replaceme tokenize models/smollm2-135m-fp32 --text "Hello, world!"
          replaceme tokenize models/smollm2-135m-fp32 --file prompt.txt --json
        """,
        positionals: [.init("checkpoint", "A Hugging Face checkpoint directory (or any directory with tokenizer.json), or a GGUF file (converted once to Float32 in the cache).")],
        options: [
            .value("text", "T", "The text to tokenize."),
            .value("file", "F", "A UTF-8 text file to tokenize."),
            .flag("no-special-tokens", "Do not add the post-processor's special tokens (BOS/EOS)."),
            .flag("per-line", "Encode each line separately (as samples are encoded) and print a summary with timing instead of tokens."),
            .value("ids-out", "FILE", "With --per-line: write the ids, one input line per output line, space-separated."),
            .flag("json", "Print machine-readable JSON: ids, tokens, count, and the decoded text (or the --per-line summary)."),
        ],
        required: [["text", "file"]],
        run: run)

    static func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        let directory = try context.checkpointDirectory(args.positional(0)!)
        let text: String
        switch (args.string("text"), args.string("file")) {
        case let (t?, nil):
            text = t
        case let (nil, f?):
            let data: Data
            do { data = try FileContents.read(URL(fileURLWithPath: f)) } catch {
                throw CLIFileError(path: f, reason: (error as NSError).localizedDescription)
            }
            guard let s = String(validating: [UInt8](data), as: UTF8.self) else {
                throw CLIFileError(path: f, reason: "the file is not valid UTF-8")
            }
            text = s
        case (.some, .some):
            throw args.usageError("give either --text or --file, not both")
        case (nil, nil):
            throw args.usageError("give the input with --text T or --file F")
        }
        if args.string("ids-out") != nil && !args.flag("per-line") { throw args.usageError("--ids-out needs --per-line") }
        let loadStart = DispatchTime.now()
        let tokenizer = try Tokenizer(directory: directory)
        let loadSeconds = Double(DispatchTime.now().uptimeNanoseconds - loadStart.uptimeNanoseconds) / 1e9
        if args.flag("per-line") {
            return try runPerLine(text, tokenizer, loadSeconds: loadSeconds, args, context)
        }
        let ids = tokenizer.encode(text, addSpecialTokens: !args.flag("no-special-tokens"))
        let tokens = ids.map { tokenizer.token(for: $0) ?? "" }
        if args.flag("json") {
            try context.printJSON([
                "ids": ids,
                "tokens": tokens,
                "count": ids.count,
                "decoded": tokenizer.decode(ids),
            ] as [String: Any])
            return 0
        }
        context.print("\(ids.count) tokens")
        context.print(ids.map(String.init).joined(separator: " "))
        let width = max(2, ids.map { String($0).count }.max() ?? 0)
        for (id, token) in zip(ids, tokens) {
            let idText = String(id)
            context.print(String(repeating: " ", count: width - idText.count) + idText + "  " + token.debugDescription)
        }
        return 0
    }
}

extension TokenizeCommand {
    /// Encodes every line (split on "\n") separately, timing only the encoding; optionally writes the ids.
    static func runPerLine(_ text: String, _ tokenizer: Tokenizer, loadSeconds: Double, _ args: ParsedArguments,
                           _ context: CommandContext) throws -> Int32 {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let special = !args.flag("no-special-tokens")
        var all: [[Int]] = []
        all.reserveCapacity(lines.count)
        let start = DispatchTime.now()
        for line in lines { all.append(tokenizer.encode(line, addSpecialTokens: special)) }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        let bytes = text.utf8.count
        let tokens = all.reduce(0) { $0 + $1.count }
        if let out = args.string("ids-out") {
            var s = ""
            s.reserveCapacity(tokens * 6)
            for ids in all { s += ids.map(String.init).joined(separator: " "); s += "\n" }
            do { try Data(s.utf8).write(to: URL(fileURLWithPath: out)) } catch {
                throw CLIFileError(path: out, reason: (error as NSError).localizedDescription)
            }
        }
        let mbps = Double(bytes) / 1e6 / seconds
        if args.flag("json") {
            try context.printJSON(["lines": lines.count, "bytes": bytes, "tokens": tokens, "seconds": seconds,
                                   "mb_per_s": mbps, "load_seconds": loadSeconds] as [String: Any])
        } else {
            context.print("\(lines.count) lines, \(bytes) bytes, \(tokens) tokens in "
                          + String(format: "%.3f s (%.2f MB/s); tokenizer loaded in %.3f s", seconds, mbps, loadSeconds))
        }
        return 0
    }
}

/// An input file the command could not read (exit 1, `Error: cannot read …`).
struct CLIFileError: Error, CustomStringConvertible {
    var path: String
    var reason: String
    var description: String { "cannot read \(path): \(reason)" }
}
