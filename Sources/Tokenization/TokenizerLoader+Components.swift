import JSON
/// The pipeline components of tokenizer.json: normalizers, pre-tokenizers, post-processors and decoders,
/// each flattened (nested `Sequence`s expanded) into elementary steps. Unknown types are `unsupported` errors.
extension TokenizerLoader {
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
                else if r == PatternScanner.qwen2Pattern { pattern = .scanner(.qwen2) }
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
