import JSON
import Tokenization

/// tokenizer.json and tokenizer_config.json from a GGUF file's `tokenizer.*` metadata: byte-level BPE vocabularies
/// (`tokenizer.ggml.model` = `gpt2`), with the pre-tokenizer llama.cpp applies for the `tokenizer.ggml.pre` the
/// file names, and SentencePiece-style BPE vocabularies (`llama`, see `sentencePieceJSON`). An unknown model or
/// pre-tokenizer is refused by name, never guessed.
///
/// - Vocabulary: `tokenizer.ggml.tokens` in id order; a token not spelled in the byte-level alphabet is respelled
///   from its UTF-8 bytes (as transformers' GGUF route does). Merges: `tokenizer.ggml.merges`, "a b" pairs.
/// - Added tokens: type CONTROL (3) as special tokens, USER_DEFINED (4) as plain added tokens; both matched
///   whole in the text (`normalized: false`). A CONTROL token outside the byte alphabet is a llama.cpp
///   mislabel and is skipped (as transformers does).
/// - Post-processor: a BOS token is prepended when `tokenizer.ggml.add_bos_token` is true, nothing otherwise.
public struct GGUFTokenizerImport {
    /// `tokenizer.ggml.pre` → the pre-tokenizer llama.cpp's `llama-vocab.cpp` uses for it.
    public static let preTokenizers: [String: JSONValue] = {
        let qwen2 = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
        let llama3 = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
        func split(_ regex: String) -> JSONValue {
            sequence([
                .object(JSONObject([("type", .string("Split")), ("pattern", .object(JSONObject([("Regex", .string(regex))]))),
                                    ("behavior", .string("Isolated")), ("invert", .bool(false))])),
                byteLevel(regex: false),
            ])
        }
        func sequence(_ steps: [JSONValue]) -> JSONValue {
            .object(JSONObject([("type", .string("Sequence")), ("pretokenizers", .array(steps))]))
        }
        let smollm = sequence([.object(JSONObject([("type", .string("Digits")), ("individual_digits", .bool(true))])),
                               byteLevel(regex: true)])
        return ["gpt-2": byteLevel(regex: true), "default": byteLevel(regex: true), "smollm": smollm,
                "qwen2": split(qwen2), "deepseek-r1-qwen": split(qwen2),
                "llama3": split(llama3), "llama-bpe": split(llama3), "llama-v3": split(llama3)]
    }()

    static func byteLevel(regex: Bool, prefixSpace: Bool = false, trimOffsets: Bool = true) -> JSONValue {
        .object(JSONObject([("type", .string("ByteLevel")), ("add_prefix_space", .bool(prefixSpace)),
                            ("trim_offsets", .bool(trimOffsets)), ("use_regex", .bool(regex))]))
    }

    public let file: GGUFFile
    public let tokens: [String]
    /// `tokenizer.ggml.model`: `gpt2` or `llama`.
    public let model: String

    public init(_ file: GGUFFile) throws {
        self.file = file
        model = try file.string("tokenizer.ggml.model")
        guard model == "gpt2" || model == "llama" else {
            throw GGUFError.unsupportedModel(file: file.path, key: "tokenizer.ggml.model", value: model, supported: ["gpt2", "llama"])
        }
        let pre = file.metadata["tokenizer.ggml.pre"] == nil && model == "llama" ? "default" : try file.string("tokenizer.ggml.pre")
        let known = model == "llama" ? ["default"] : Self.preTokenizers.keys.sorted()
        guard known.contains(pre) else {
            throw GGUFError.unsupportedModel(file: file.path, key: "tokenizer.ggml.pre", value: pre, supported: known)
        }
        tokens = try file.strings("tokenizer.ggml.tokens")
    }

    /// Token types (`tokenizer.ggml.token_type`, NORMAL 1 for every token when absent), one per token.
    func tokenTypes() throws -> [Int] {
        guard file.metadata["tokenizer.ggml.token_type"] != nil else { return Array(repeating: 1, count: tokens.count) }
        let types = try file.ints("tokenizer.ggml.token_type")
        guard types.count == tokens.count else {
            throw GGUFError.invalidMetadata(file: file.path, key: "tokenizer.ggml.token_type",
                                            reason: "has \(types.count) entries for \(tokens.count) tokens")
        }
        return types
    }

    /// An added-token entry of tokenizer.json (matched whole in the text, never normalized).
    static func addedToken(_ id: Int, _ content: String, special: Bool) -> JSONValue {
        .object(JSONObject([
            ("id", .int(id)), ("content", .string(content)), ("single_word", .bool(false)), ("lstrip", .bool(false)),
            ("rstrip", .bool(false)), ("normalized", .bool(false)), ("special", .bool(special)),
        ]))
    }

    /// A post-processor adding `bos` before the sequence.
    static func bosTemplate(_ b: String, id bos: Int) -> JSONValue {
        .object(JSONObject([
            ("type", .string("TemplateProcessing")),
            ("single", .array([.object(JSONObject([("SpecialToken", .object(JSONObject([("id", .string(b)), ("type_id", .int(0))])))])),
                               .object(JSONObject([("Sequence", .object(JSONObject([("id", .string("A")), ("type_id", .int(0))])))]))])),
            ("pair", .array([.object(JSONObject([("Sequence", .object(JSONObject([("id", .string("A")), ("type_id", .int(0))])))])),
                             .object(JSONObject([("Sequence", .object(JSONObject([("id", .string("B")), ("type_id", .int(1))])))]))])),
            ("special_tokens", .object(JSONObject([(b, .object(JSONObject([("id", .string(b)), ("ids", .array([.int(bos)])),
                                                                          ("tokens", .array([.string(b)]))])))]))),
        ]))
    }

    /// The id stored under `tokenizer.ggml.<key>`, checked to be a token id; nil when absent.
    func specialID(_ key: String) throws -> Int? {
        guard file.metadata["tokenizer.ggml.\(key)"] != nil else { return nil }
        let id = try file.int("tokenizer.ggml.\(key)")
        guard tokens.indices.contains(id) else {
            throw GGUFError.invalidMetadata(file: file.path, key: "tokenizer.ggml.\(key)", reason: "\(id) is not a token id")
        }
        return id
    }

    /// The tokenizer.json document.
    public func tokenizerJSON() throws -> JSONObject {
        if model == "llama" { return try sentencePieceJSON() }
        let pre = try file.string("tokenizer.ggml.pre")
        let types = try tokenTypes()
        var vocab = JSONObject()
        var seen = Set<[UInt8]>()   // bytes: String equality is canonical equivalence, tokens are byte strings
        var added: [JSONValue] = []
        for (id, raw) in tokens.enumerated() {
            let token = ByteLevelAlphabet.spells(raw) ? raw : ByteLevelAlphabet.spelling(raw)
            guard seen.insert(Array(token.utf8)).inserted else {
                throw GGUFError.invalidMetadata(file: file.path, key: "tokenizer.ggml.tokens",
                                                reason: "token \(id) '\(raw)' appears twice")
            }
            vocab.appendUnchecked(token, .int(id))
            let type = types[id]
            if (type == 3 && ByteLevelAlphabet.spells(raw)) || type == 4 { added.append(Self.addedToken(id, raw, special: type == 3)) }
        }
        var merges: [JSONValue] = []
        let mergeTexts = file.metadata["tokenizer.ggml.merges"] == nil ? [] : try file.strings("tokenizer.ggml.merges")
        merges.reserveCapacity(mergeTexts.count)
        for (i, m) in mergeTexts.enumerated() {
            let parts = m.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw GGUFError.invalidMetadata(file: file.path, key: "tokenizer.ggml.merges[\(i)]",
                                                reason: "'\(m)' is not two tokens separated by one space")
            }
            merges.append(.array([.string(String(parts[0])), .string(String(parts[1]))]))
        }
        let addBOS = addsBOS
        var post: JSONValue = Self.byteLevel(regex: true, prefixSpace: true, trimOffsets: false)
        if addBOS {
            guard let bos = try specialID("bos_token_id") else { throw GGUFError.missingKey(file: file.path, key: "tokenizer.ggml.bos_token_id") }
            post = Self.bosTemplate(tokens[bos], id: bos)
        }
        let ignoreMerges = pre.hasPrefix("llama")
        return JSONObject([
            ("version", .string("1.0")), ("truncation", .null), ("padding", .null), ("added_tokens", .array(added)),
            ("normalizer", .null), ("pre_tokenizer", Self.preTokenizers[pre]!), ("post_processor", post),
            ("decoder", Self.byteLevel(regex: true, prefixSpace: true)),
            ("model", .object(JSONObject([
                ("type", .string("BPE")), ("dropout", .null), ("unk_token", .null), ("continuing_subword_prefix", .null),
                ("end_of_word_suffix", .null), ("fuse_unk", .bool(false)), ("byte_fallback", .bool(false)),
                ("ignore_merges", .bool(ignoreMerges)), ("vocab", .object(vocab)), ("merges", .array(merges)),
            ]))),
        ])
    }

    /// Whether encoding adds BOS: `tokenizer.ggml.add_bos_token`; when absent, true for SentencePiece-style
    /// vocabularies (llama.cpp and transformers default so) and false for byte-level ones.
    var addsBOS: Bool { file.metadata["tokenizer.ggml.add_bos_token"]?.boolValue ?? (model == "llama") }

    /// tokenizer_config.json: the special tokens by content, the context length, the chat template.
    public func tokenizerConfigJSON(contextLength: Int?) throws -> JSONObject {
        var o = JSONObject()
        o["add_bos_token"] = .bool(addsBOS)
        o["add_prefix_space"] = .bool(false)
        for (name, key) in [("bos_token", "bos_token_id"), ("eos_token", "eos_token_id"),
                            ("unk_token", "unknown_token_id"), ("pad_token", "padding_token_id")] {
            if let id = try specialID(key) { o[name] = .string(tokens[id]) }
        }
        if let template = file.metadata["tokenizer.chat_template"]?.stringValue { o["chat_template"] = .string(template) }
        o["clean_up_tokenization_spaces"] = .bool(false)
        if let contextLength { o["model_max_length"] = .int(contextLength) }
        o["tokenizer_class"] = .string(model == "llama" ? "LlamaTokenizer" : "GPT2Tokenizer")
        return o
    }
}
