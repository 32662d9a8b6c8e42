import JSON
import Foundation

/// Reads tokenizer.json (and tokenizer_config.json) into the tokenizer's components. Every component type we
/// do not implement is an error naming it (`TokenizerError.unsupported`), never a silent fallback.
enum TokenizerLoader {
    struct Parts {
        var model: BPEModel
        var added: AddedVocabulary
        var normalizers: [NormalizerStep]
        var preTokenizers: [PreTokenizerStep]
        var modelMapsBytes: Bool
        var postProcessor: PostProcessor
        var decoders: [DecoderStep]
        var bosId: Int32?
        var eosId: Int32?
    }

    static let file = "tokenizer.json"
    static let configFile = "tokenizer_config.json"

    static func parseJSON(_ data: Data, file: String) throws -> JSONValue {
        let bytes = [UInt8](data)
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw TokenizerError.invalidJSON(file: file, line: 1, offset: 0, reason: "the file is not valid UTF-8")
        }
        do {
            // Duplicate keys: the last wins, as in Hugging Face `tokenizers` (serde).
            return try JSONParser.parse(bytes, duplicateKeys: .keepLast)
        } catch {
            let line = 1 + bytes[..<min(error.offset, bytes.count)].count(where: { $0 == 0x0A })
            throw TokenizerError.invalidJSON(file: file, line: line, offset: error.offset, reason: error.message)
        }
    }

    static func load(tokenizerJSON: Data, configJSON: Data?) throws -> Parts {
        let root = try parseJSON(tokenizerJSON, file: file)
        guard root.objectValue != nil else { throw missing("(top level)", "an object") }
        let config = try configJSON.map { try parseJSON($0, file: configFile) }

        guard let modelJSON = root["model"], !modelJSON.isNull else { throw missing("model", "an object") }
        let model = try loadModel(modelJSON)

        var normalizers: [NormalizerStep] = []
        if let n = root["normalizer"], !n.isNull { try flattenNormalizer(n, path: "normalizer", into: &normalizers) }
        var pre: [PreTokenizerStep] = []
        if let p = root["pre_tokenizer"], !p.isNull { try flattenPreTokenizer(p, path: "pre_tokenizer", into: &pre) }
        var modelMapsBytes = false
        if case .byteLevelMap? = pre.last { pre.removeLast(); modelMapsBytes = true }

        let addedTokens = try loadAddedTokens(root["added_tokens"])
        let added = AddedVocabulary(tokens: addedTokens) { content in
            normalizers.reduce(content) { $1.apply($0) }
        }
        func idOf(_ token: [UInt8]) -> Int32? {
            addedTokens.last(where: { $0.content == token })?.id ?? model.vocab[token]
        }

        var decoders: [DecoderStep] = []
        if let d = root["decoder"], !d.isNull { try flattenDecoder(d, path: "decoder", into: &decoders) }

        // tokenizer_config.json: bos/eos tokens and the add_bos_token/add_eos_token fallback.
        func configToken(_ key: String) throws -> Int32? {
            guard let v = config?[key], !v.isNull else { return nil }
            guard let s = v.bytesValue ?? v["content"]?.bytesValue else {
                throw TokenizerError.missingField(file: configFile, path: key, expected: "a string or {\"content\": string}")
            }
            guard let id = idOf(s) else {
                throw TokenizerError.tokenNotInVocabulary(component: "\(configFile) \(key)", token: String(decoding: s, as: UTF8.self))
            }
            return id
        }
        let configBos = try configToken("bos_token")
        let configEos = try configToken("eos_token")

        var post = PostProcessor()
        if let p = root["post_processor"], !p.isNull {
            try loadPostProcessor(p, path: "post_processor", into: &post)
        } else if let config {
            if config["add_bos_token"]?.boolValue == true {
                guard let bos = configBos else { throw TokenizerError.missingField(file: configFile, path: "bos_token", expected: "a token (add_bos_token is true)") }
                post.prefix = [bos]
            }
            if config["add_eos_token"]?.boolValue == true {
                guard let eos = configEos else { throw TokenizerError.missingField(file: configFile, path: "eos_token", expected: "a token (add_eos_token is true)") }
                post.suffix = [eos]
            }
        }
        let knownEos = ["</s>", "<|end_of_text|>", "<|endoftext|>"].lazy
            .compactMap { name in addedTokens.first(where: { $0.content == Array(name.utf8) })?.id }.first
        return Parts(model: model, added: added, normalizers: normalizers, preTokenizers: pre,
                     modelMapsBytes: modelMapsBytes, postProcessor: post, decoders: decoders,
                     bosId: configBos ?? post.prefix.first, eosId: configEos ?? post.suffix.last ?? knownEos)
    }

    static func missing(_ path: String, _ expected: String) -> TokenizerError {
        .missingField(file: file, path: path, expected: expected)
    }

    static func typeName(_ v: JSONValue, _ path: String) throws -> String {
        guard let t = v["type"]?.stringValue else { throw missing("\(path).type", "a string") }
        return t
    }

    // MARK: model

    static func loadModel(_ m: JSONValue) throws -> BPEModel {
        if let t = m["type"], !t.isNull {
            guard let type = t.stringValue else { throw missing("model.type", "a string") }
            guard type == "BPE" else { throw TokenizerError.unsupported(component: "model.type=\(type)") }
        }
        guard let vocabEntries = m["vocab"]?.objectValue?.members else {
            throw missing("model.vocab", "an object of token → id")
        }
        var vocab: [[UInt8]: Int32] = [:]
        vocab.reserveCapacity(vocabEntries.count)
        for entry in vocabEntries {   // keys by their exact bytes: "é" and "e\u0301" are two tokens
            guard let id = entry.value.intValue, id >= 0, id < Int(Int32.max) else {
                throw TokenizerError.badVocabulary(reason: "token \(entry.key.debugDescription) has id \(entry.value.serialized()), not a non-negative integer")
            }
            vocab[Array(entry.key.utf8)] = Int32(id)
        }
        for key in ["continuing_subword_prefix", "end_of_word_suffix"] {
            if let v = m[key], !v.isNull, v.bytesValue != [] {
                throw TokenizerError.unsupported(component: "model.\(key)=\(v.stringValue.map { $0.debugDescription } ?? v.serialized())")
            }
        }
        if let d = m["dropout"], !d.isNull, let p = d.doubleValue, p > 0 {
            throw TokenizerError.unsupported(component: "model.dropout=\(p)")
        }
        guard let mergesJSON = m["merges"]?.arrayValue else { throw missing("model.merges", "an array") }
        var merges = MergeTable(expectedCount: mergesJSON.count)
        var rank: Int32 = 0
        for (i, entry) in mergesJSON.enumerated() {
            let a: [UInt8], b: [UInt8]
            if let s = entry.bytesValue {
                if i == 0 && s.starts(with: Array("#version".utf8)) { continue }
                let parts = s.split(separator: 0x20, omittingEmptySubsequences: false)
                guard parts.count == 2 else {
                    throw TokenizerError.badMerge(index: i, entry: String(decoding: s, as: UTF8.self))
                }
                a = Array(parts[0]); b = Array(parts[1])
            } else if let pair = entry.arrayValue, pair.count == 2, let x = pair[0].bytesValue, let y = pair[1].bytesValue {
                a = x; b = y
            } else {
                throw TokenizerError.badMerge(index: i, entry: "\(entry)")
            }
            guard let ida = vocab[a] else { throw TokenizerError.mergeTokenOutOfVocabulary(index: i, token: String(decoding: a, as: UTF8.self)) }
            guard let idb = vocab[b] else { throw TokenizerError.mergeTokenOutOfVocabulary(index: i, token: String(decoding: b, as: UTF8.self)) }
            guard let idm = vocab[a + b] else { throw TokenizerError.mergeTokenOutOfVocabulary(index: i, token: String(decoding: a + b, as: UTF8.self)) }
            merges.insert(left: ida, right: idb, rank: rank, merged: idm)
            rank += 1
        }
        var unkId: Int32?
        if let u = m["unk_token"], !u.isNull {
            guard let ub = u.bytesValue else { throw missing("model.unk_token", "a string or null") }
            guard let id = vocab[ub] else {
                throw TokenizerError.tokenNotInVocabulary(component: "model.unk_token", token: String(decoding: ub, as: UTF8.self))
            }
            unkId = id
        }
        return BPEModel(vocab: vocab, merges: merges, unkId: unkId,
                        byteFallback: m["byte_fallback"]?.boolValue ?? false,
                        fuseUnk: m["fuse_unk"]?.boolValue ?? false,
                        ignoreMerges: m["ignore_merges"]?.boolValue ?? false)
    }

    // MARK: added tokens

    static func loadAddedTokens(_ v: JSONValue?) throws -> [AddedVocabulary.Token] {
        guard let v, !v.isNull else { return [] }
        guard let items = v.arrayValue else { throw missing("added_tokens", "an array") }
        return try items.enumerated().map { i, t in
            guard let id = t["id"]?.intValue, id >= 0, id < Int(Int32.max) else { throw missing("added_tokens[\(i)].id", "a non-negative integer") }
            guard let content = t["content"]?.bytesValue else { throw missing("added_tokens[\(i)].content", "a string") }
            let special = t["special"]?.boolValue ?? false
            return AddedVocabulary.Token(id: Int32(id), content: content,
                                         singleWord: t["single_word"]?.boolValue ?? false,
                                         lstrip: t["lstrip"]?.boolValue ?? false,
                                         rstrip: t["rstrip"]?.boolValue ?? false,
                                         normalized: t["normalized"]?.boolValue ?? !special,
                                         special: special)
        }
    }
}
