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
        positionals: [.init("checkpoint-dir", "A Hugging Face checkpoint directory (or any directory with tokenizer.json).")],
        options: [
            .value("text", "T", "The text to tokenize."),
            .value("file", "F", "A UTF-8 text file to tokenize."),
            .flag("no-special-tokens", "Do not add the post-processor's special tokens (BOS/EOS)."),
            .flag("json", "Print machine-readable JSON: ids, tokens, count, and the decoded text."),
        ],
        run: run)

    static func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        let directory = URL(fileURLWithPath: args.positional(0)!)
        let text: String
        switch (args.string("text"), args.string("file")) {
        case let (t?, nil):
            text = t
        case let (nil, f?):
            let data: Data
            do { data = try Data(contentsOf: URL(fileURLWithPath: f)) } catch {
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
        let tokenizer = try Tokenizer(directory: directory)
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

/// An input file the command could not read (exit 1, `Error: cannot read …`).
struct CLIFileError: Error, CustomStringConvertible {
    var path: String
    var reason: String
    var description: String { "cannot read \(path): \(reason)" }
}
