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
        return try JSONParser.parse(bytes, file: file)
    }

    static func load(tokenizerJSON: Data, configJSON: Data?) throws -> Parts {
        let root = try parseJSON(tokenizerJSON, file: file)
        guard root.objectEntries != nil else { throw missing("(top level)", "an object") }
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
        guard let vocabEntries = m["vocab"]?.objectEntries else { throw missing("model.vocab", "an object of token → id") }
        var vocab: [[UInt8]: Int32] = [:]
        vocab.reserveCapacity(vocabEntries.count)
        for (k, v) in vocabEntries {
            guard let id = v.intValue, id >= 0, id < Int(Int32.max) else {
                throw TokenizerError.badVocabulary(reason: "token \(String(decoding: k, as: UTF8.self).debugDescription) has id \(v), not a non-negative integer")
            }
            vocab[k] = Int32(id)
        }
        for key in ["continuing_subword_prefix", "end_of_word_suffix"] {
            if let v = m[key], !v.isNull, v.bytesValue != [] {
                throw TokenizerError.unsupported(component: "model.\(key)=\(v.stringValue.map { $0.debugDescription } ?? "\(v)")")
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

    // MARK: normalizers

    static func flattenNormalizer(_ n: JSONValue, path: String, into out: inout [NormalizerStep]) throws {
        let type = try typeName(n, path)
        switch type {
        case "Sequence":
            guard let list = n["normalizers"]?.arrayValue else { throw missing("\(path).normalizers", "an array") }
            for (i, item) in list.enumerated() { try flattenNormalizer(item, path: "\(path).normalizers[\(i)]", into: &out) }
        case "Prepend":
            guard let s = n["prepend"]?.bytesValue else { throw missing("\(path).prepend", "a string") }
            out.append(.prepend(s))
        case "Replace":
            guard let content = n["content"]?.bytesValue else { throw missing("\(path).content", "a string") }
            if let s = n["pattern"]?["String"]?.bytesValue {
                out.append(.replaceLiteral(s, with: content))
            } else if let r = n["pattern"]?["Regex"]?.stringValue {
                out.append(.replaceRegex(try RegexMatcher(pattern: r, component: "\(path).pattern"), with: content))
            } else {
                throw missing("\(path).pattern", "{\"String\": ...} or {\"Regex\": ...}")
            }
        case "NFC": out.append(.nfc)
        case "NFD": out.append(.nfd)
        case "NFKC": out.append(.nfkc)
        case "NFKD": out.append(.nfkd)
        case "Lowercase": out.append(.lowercase)
        default: throw TokenizerError.unsupported(component: "\(path).type=\(type)")
        }
    }

    // MARK: pre-tokenizers

    static func flattenPreTokenizer(_ p: JSONValue, path: String, into out: inout [PreTokenizerStep]) throws {
        let type = try typeName(p, path)
        switch type {
        case "Sequence":
            guard let list = p["pretokenizers"]?.arrayValue else { throw missing("\(path).pretokenizers", "an array") }
            for (i, item) in list.enumerated() { try flattenPreTokenizer(item, path: "\(path).pretokenizers[\(i)]", into: &out) }
        case "ByteLevel":
            if p["add_prefix_space"]?.boolValue ?? true { out.append(.prefixSpace) }
            if p["use_regex"]?.boolValue ?? true { out.append(.split(.scanner(.gpt2), .isolated, invert: false)) }
            out.append(.byteLevelMap)
        case "Split":
            let pattern: PreTokenizerStep.Pattern
            if let s = p["pattern"]?["String"]?.bytesValue {
                pattern = .literal(s)
            } else if let r = p["pattern"]?["Regex"]?.stringValue {
                if r == PatternScanner.gpt2Pattern { pattern = .scanner(.gpt2) }
                else if r == PatternScanner.llama3Pattern { pattern = .scanner(.llama3) }
                else { pattern = .regex(try RegexMatcher(pattern: r, component: "\(path).pattern")) }
            } else {
                throw missing("\(path).pattern", "{\"String\": ...} or {\"Regex\": ...}")
            }
            guard let b = p["behavior"]?.stringValue else { throw missing("\(path).behavior", "a string") }
            guard let behavior = SplitBehavior(rawValue: b) else { throw TokenizerError.unsupported(component: "\(path).behavior=\(b)") }
            out.append(.split(pattern, behavior, invert: p["invert"]?.boolValue ?? false))
        case "Digits":
            out.append(.split(.digits(individual: p["individual_digits"]?.boolValue ?? false), .isolated, invert: false))
        case "Metaspace":
            let (replacement, scheme) = try metaspaceOptions(p, path: path)
            out.append(.metaspace(replacement: replacement, prependScheme: scheme))
            if p["split"]?.boolValue ?? true { out.append(.split(.literal(replacement), .mergedWithNext, invert: false)) }
        default:
            throw TokenizerError.unsupported(component: "\(path).type=\(type)")
        }
    }

    static func metaspaceOptions(_ p: JSONValue, path: String) throws -> ([UInt8], PreTokenizerStep.PrependScheme) {
        guard let r = p["replacement"]?.bytesValue, UTF8Bytes.scalars(r).count == 1 else {
            throw missing("\(path).replacement", "a one-character string")
        }
        var scheme = PreTokenizerStep.PrependScheme.always
        if let s = p["prepend_scheme"], !s.isNull {
            guard let name = s.stringValue, let v = PreTokenizerStep.PrependScheme(rawValue: name) else {
                throw TokenizerError.unsupported(component: "\(path).prepend_scheme=\(s.stringValue ?? "\(s)")")
            }
            scheme = v
        } else if p["add_prefix_space"]?.boolValue == false {
            scheme = .never
        }
        return (r, scheme)
    }

    // MARK: post-processors

    static func loadPostProcessor(_ p: JSONValue, path: String, into post: inout PostProcessor) throws {
        let type = try typeName(p, path)
        switch type {
        case "Sequence":
            guard let list = p["processors"]?.arrayValue else { throw missing("\(path).processors", "an array") }
            for (i, item) in list.enumerated() { try loadPostProcessor(item, path: "\(path).processors[\(i)]", into: &post) }
        case "ByteLevel":
            break  // trims offsets only
        case "TemplateProcessing":
            guard let single = p["single"]?.arrayValue else { throw missing("\(path).single", "an array") }
            var prefix: [Int32] = [], suffix: [Int32] = []
            var seenSequence = false
            for (i, piece) in single.enumerated() {
                if let seq = piece["Sequence"] {
                    guard seq["id"]?.stringValue == "A" else { throw TokenizerError.unsupported(component: "\(path).single[\(i)] sequence \(seq["id"]?.stringValue ?? "?") in a single-sequence template") }
                    seenSequence = true
                } else if let special = piece["SpecialToken"]?["id"]?.stringValue {
                    guard let ids = p["special_tokens"]?[special]?["ids"]?.arrayValue else {
                        throw missing("\(path).special_tokens[\(special.debugDescription)].ids", "an array of ids")
                    }
                    let values = try ids.map { v -> Int32 in
                        guard let id = v.intValue, id >= 0, id < Int(Int32.max) else { throw missing("\(path).special_tokens[\(special.debugDescription)].ids", "non-negative integers") }
                        return Int32(id)
                    }
                    if seenSequence { suffix += values } else { prefix += values }
                } else {
                    throw missing("\(path).single[\(i)]", "{\"SpecialToken\": ...} or {\"Sequence\": ...}")
                }
            }
            post.wrap(prefix: prefix, suffix: suffix)
        case "BertProcessing", "RobertaProcessing":
            guard let cls = p["cls"]?.arrayValue, cls.count == 2, let c = cls[1].intValue,
                  let sep = p["sep"]?.arrayValue, sep.count == 2, let s = sep[1].intValue else {
                throw missing("\(path).cls/sep", "[token, id] pairs")
            }
            post.wrap(prefix: [Int32(c)], suffix: [Int32(s)])
        default:
            throw TokenizerError.unsupported(component: "\(path).type=\(type)")
        }
    }

    // MARK: decoders

    static func flattenDecoder(_ d: JSONValue, path: String, into out: inout [DecoderStep]) throws {
        let type = try typeName(d, path)
        switch type {
        case "Sequence":
            guard let list = d["decoders"]?.arrayValue else { throw missing("\(path).decoders", "an array") }
            for (i, item) in list.enumerated() { try flattenDecoder(item, path: "\(path).decoders[\(i)]", into: &out) }
        case "ByteLevel": out.append(.byteLevel)
        case "ByteFallback": out.append(.byteFallback)
        case "Fuse": out.append(.fuse)
        case "Replace":
            guard let s = d["pattern"]?["String"]?.bytesValue else {
                throw TokenizerError.unsupported(component: "\(path).pattern (only {\"String\": ...} is supported in decoders)")
            }
            guard let content = d["content"]?.bytesValue else { throw missing("\(path).content", "a string") }
            out.append(.replace(s, with: content))
        case "Strip":
            guard let c = d["content"]?.bytesValue, let v = UTF8Bytes.scalars(c).first, UTF8Bytes.scalars(c).count == 1 else {
                throw missing("\(path).content", "a one-character string")
            }
            out.append(.strip(content: v, start: d["start"]?.intValue ?? 0, stop: d["stop"]?.intValue ?? 0))
        case "Metaspace":
            let (r, scheme) = try metaspaceOptions(d, path: path)
            out.append(.metaspace(replacement: UTF8Bytes.scalars(r)[0], prependScheme: scheme))
        default:
            throw TokenizerError.unsupported(component: "\(path).type=\(type)")
        }
    }
}
