import JSON

extension GGUFTokenizerImport {
    /// tokenizer.json for a SentencePiece-style BPE vocabulary (`tokenizer.ggml.model` = `llama`), as transformers'
    /// GGUF route builds it (its LlamaTokenizer): Metaspace pre-tokenizer (▁, prepended to the first word, no
    /// split), BPE with byte fallback and fused unknowns, the ▁ → space / byte-fallback / fuse / strip decoder,
    /// BOS prepended unless `add_bos_token` is false. Added tokens: BOS, EOS, UNK by their ids, then every CONTROL
    /// token as special and every USER_DEFINED one as plain. Merges come from `tokenizer.ggml.merges` when the file
    /// has them, otherwise from the scores (`mergesFromScores`, as llama.cpp's own SentencePiece files need).
    func sentencePieceJSON() throws -> JSONObject {
        let types = try tokenTypes()
        var vocab = JSONObject()
        // Keyed by UTF-8 bytes: Swift's String equality is canonical equivalence ("é" == "e\u{301}"), but the two
        // are different tokens.
        var ids: [[UInt8]: Int] = [:]
        for (id, token) in tokens.enumerated() {
            guard ids.updateValue(id, forKey: Array(token.utf8)) == nil else {
                throw GGUFError.invalidMetadata(file: file.path, key: "tokenizer.ggml.tokens", reason: "token \(id) '\(token)' appears twice")
            }
            vocab.appendUnchecked(token, .int(id))
        }
        var addedIDs: [Int] = []
        for key in ["bos_token_id", "eos_token_id", "unknown_token_id"] { if let id = try specialID(key) { addedIDs.append(id) } }
        for (id, type) in types.enumerated() where (type == 3 || type == 4) && !addedIDs.contains(id) { addedIDs.append(id) }
        let added = addedIDs.sorted().map { Self.addedToken($0, tokens[$0], special: types[$0] != 4) }

        var merges: [JSONValue] = []
        if file.metadata["tokenizer.ggml.merges"] != nil {
            for (i, m) in try file.strings("tokenizer.ggml.merges").enumerated() {
                let parts = m.split(separator: " ", omittingEmptySubsequences: false)
                guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                    throw GGUFError.invalidMetadata(file: file.path, key: "tokenizer.ggml.merges[\(i)]",
                                                    reason: "'\(m)' is not two tokens separated by one space")
                }
                merges.append(.array([.string(String(parts[0])), .string(String(parts[1]))]))
            }
        } else {
            let scores = try file.doubles("tokenizer.ggml.scores")
            guard scores.count == tokens.count else {
                throw GGUFError.invalidMetadata(file: file.path, key: "tokenizer.ggml.scores",
                                                reason: "has \(scores.count) entries for \(tokens.count) tokens")
            }
            merges = Self.mergesFromScores(tokens: tokens, scores: scores, ids: ids).map { .array([.string($0.0), .string($0.1)]) }
        }
        var post: JSONValue = .null
        if addsBOS, let bos = try specialID("bos_token_id") { post = Self.bosTemplate(tokens[bos], id: bos) }
        func step(_ pairs: [(String, JSONValue)]) -> JSONValue { .object(JSONObject(pairs)) }
        return JSONObject([
            ("version", .string("1.0")), ("truncation", .null), ("padding", .null), ("added_tokens", .array(added)),
            ("normalizer", .null),
            ("pre_tokenizer", step([("type", .string("Metaspace")), ("replacement", .string("▁")),
                                    ("prepend_scheme", .string("first")), ("split", .bool(false))])),
            ("post_processor", post),
            ("decoder", step([("type", .string("Sequence")), ("decoders", .array([
                step([("type", .string("Replace")), ("pattern", step([("String", .string("▁"))])), ("content", .string(" "))]),
                step([("type", .string("ByteFallback"))]), step([("type", .string("Fuse"))]),
                step([("type", .string("Strip")), ("content", .string(" ")), ("start", .int(1)), ("stop", .int(0))]),
            ]))])),
            ("model", step([
                ("type", .string("BPE")), ("dropout", .null), ("unk_token", .null), ("continuing_subword_prefix", .null),
                ("end_of_word_suffix", .null), ("fuse_unk", .bool(true)), ("byte_fallback", .bool(true)),
                ("ignore_merges", .bool(false)), ("vocab", .object(vocab)), ("merges", .array(merges)),
            ])),
        ])
    }

    /// BPE merges recovered from a SentencePiece vocabulary's scores (transformers' `generate_merges`): for every
    /// token, each split into two pieces that are both tokens (pieces counted in Unicode scalars), the splits of
    /// one token ordered by (left id, right id); then all pairs ordered by (merged token's score, left length,
    /// right length), highest first, ties in the order found.
    static func mergesFromScores(tokens: [String], scores: [Double], ids: [[UInt8]: Int]) -> [(String, String)] {
        var pairs: [(left: String, right: String, score: Double, leftLength: Int, rightLength: Int)] = []
        for (token, score) in zip(tokens, scores) {
            let scalars = Array(token.unicodeScalars)
            var local: [(String, String, Int, Int)] = []
            for cut in 1..<max(scalars.count, 1) {
                var l = String.UnicodeScalarView(), r = String.UnicodeScalarView()
                l.append(contentsOf: scalars[..<cut]); r.append(contentsOf: scalars[cut...])
                let left = String(l), right = String(r)
                if let a = ids[Array(left.utf8)], let b = ids[Array(right.utf8)] { local.append((left, right, a, b)) }
            }
            local.sort { ($0.2, $0.3) < ($1.2, $1.3) }   // (left id, right id) pairs are distinct per token
            for p in local {
                pairs.append((p.0, p.1, score, p.0.unicodeScalars.count, p.1.unicodeScalars.count))
            }
        }
        let order = pairs.indices.sorted { i, j in
            let a = pairs[i], b = pairs[j]
            if (a.score, a.leftLength, a.rightLength) != (b.score, b.leftLength, b.rightLength) {
                return (a.score, a.leftLength, a.rightLength) > (b.score, b.leftLength, b.rightLength)
            }
            return i < j
        }
        return order.map { (pairs[$0].left, pairs[$0].right) }
    }
}
