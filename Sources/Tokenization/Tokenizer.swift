import JSON
import Foundation

/// A Hugging Face `tokenizer.json` BPE tokenizer that produces exactly the ids of HF `tokenizers`.
///
/// Pipeline for `encode` (HF `Tokenizer::encode`): added tokens with `normalized: false` are cut out of the raw
/// text; each remaining segment is normalized, then cut at `normalized: true` added tokens; each segment is
/// pre-tokenized into words; each word goes through the BPE model (cached per word); the post-processor adds
/// BOS/EOS when `addSpecialTokens`.
///
/// Thread safety: immutable apart from the word cache, which one `encode` call at a time uses (others running
/// concurrently fall back to a private cache), so a `Tokenizer` may be shared between threads.
public final class Tokenizer: @unchecked Sendable {
    let model: BPEModel
    let addedVocabulary: AddedVocabulary
    let normalizers: [NormalizerStep]
    /// Pre-tokenizer steps, applied in order to each segment.
    let preTokenizers: [PreTokenizerStep]
    /// Whether the last pre-tokenizer step was a ByteLevel byte mapping, left to the model.
    let modelMapsBytes: Bool
    let postProcessor: PostProcessor
    let decoders: [DecoderStep]
    /// id → added token, for decoding (content normalized for `normalized` tokens).
    let addedById: [Int32: AddedVocabulary.Token]

    /// The beginning-of-sequence id: tokenizer_config.json's `bos_token`, else the template's first prefix id.
    /// It names the token only: whether `encode` adds it is the post-processor's decision (SmolLM2's adds
    /// nothing, although its config names `<|im_start|>` as bos_token).
    public let bosTokenId: Int?
    /// The end-of-sequence id: tokenizer_config.json's `eos_token`, else the template's last suffix id, else
    /// the first of `</s>`, `<|end_of_text|>`, `<|endoftext|>` present among the added tokens.
    public let eosTokenId: Int?

    private let cacheLock = NSLock()
    private var sharedCache = WordCache()

    /// Number of ids (model vocabulary and added tokens): one more than the largest id.
    public var vocabularySize: Int {
        max(model.tokens.count, Int(addedById.keys.max() ?? -1) + 1)
    }

    /// Loads `tokenizer.json` and, if present, `tokenizer_config.json` from a checkpoint directory.
    public convenience init(directory: URL) throws {
        let tokURL = directory.appendingPathComponent("tokenizer.json")
        let cfgURL = directory.appendingPathComponent("tokenizer_config.json")
        let tok: Data
        do { tok = try FileContents.read(tokURL) } catch {
            throw TokenizerError.unreadableFile(path: tokURL.path, reason: (error as NSError).localizedDescription)
        }
        var cfg: Data?
        if FileManager.default.fileExists(atPath: cfgURL.path) {
            do { cfg = try FileContents.read(cfgURL) } catch {
                throw TokenizerError.unreadableFile(path: cfgURL.path, reason: (error as NSError).localizedDescription)
            }
        }
        try self.init(tokenizerJSON: tok, tokenizerConfigJSON: cfg)
    }

    /// Builds a tokenizer from the bytes of `tokenizer.json` and optionally `tokenizer_config.json`.
    public init(tokenizerJSON: Data, tokenizerConfigJSON: Data? = nil) throws {
        let parts = try TokenizerLoader.load(tokenizerJSON: tokenizerJSON, configJSON: tokenizerConfigJSON)
        model = parts.model
        addedVocabulary = parts.added
        normalizers = parts.normalizers
        preTokenizers = parts.preTokenizers
        modelMapsBytes = parts.modelMapsBytes
        postProcessor = parts.postProcessor
        decoders = parts.decoders
        // As HF's id_to_token: a `normalized` added token reads back as its normalized content.
        let normalizerSteps = parts.normalizers
        addedById = Dictionary(parts.added.tokens.map { t in
            var shown = t
            if t.normalized { shown.content = normalizerSteps.reduce(t.content) { $1.apply($0) } }
            return (t.id, shown)
        }, uniquingKeysWith: { _, b in b })
        bosTokenId = parts.bosId.map(Int.init)
        eosTokenId = parts.eosId.map(Int.init)
    }

    /// The token string of `id` (added tokens first, then the model vocabulary), or nil for an unknown id.
    public func token(for id: Int) -> String? {
        guard id >= 0, id <= Int(Int32.max), let b = tokenBytes(Int32(id)) else { return nil }
        return String(decoding: b, as: UTF8.self)
    }

    /// The id of a token string (exact bytes), or nil.
    public func id(for token: String) -> Int? {
        let b = Array(token.utf8)
        if let t = addedVocabulary.tokens.first(where: { $0.content == b }) { return Int(t.id) }
        return model.vocab[b].map(Int.init)
    }

    func tokenBytes(_ id: Int32) -> [UInt8]? {
        if let t = addedById[id] { return t.content }
        guard id >= 0, Int(id) < model.tokens.count, !model.tokens[Int(id)].isEmpty else { return nil }
        return model.tokens[Int(id)]
    }

    /// Encodes `text` into token ids, exactly as HF `tokenizer.encode(text, add_special_tokens=...)`.
    public func encode(_ text: String, addSpecialTokens: Bool = true) -> [Int] {
        if cacheLock.try() {
            defer { cacheLock.unlock() }
            return encode(Array(text.utf8), addSpecialTokens: addSpecialTokens, cache: &sharedCache)
        }
        var local = WordCache(maxEntries: 1 << 14)
        return encode(Array(text.utf8), addSpecialTokens: addSpecialTokens, cache: &local)
    }

    private func encode(_ input: [UInt8], addSpecialTokens: Bool, cache: inout WordCache) -> [Int] {
        var ids: [Int] = []
        ids.reserveCapacity(input.count / 3 + 4)
        if addSpecialTokens { ids.append(contentsOf: postProcessor.prefix.map(Int.init)) }
        var scratch = EncodeScratch()
        for (id, range) in addedVocabulary.split(input, with: addedVocabulary.rawMatcher) {
            if let id { ids.append(Int(id)); continue }
            var segment = Array(input[range])
            for n in normalizers { segment = n.apply(segment) }
            let atOrigin = range.lowerBound == 0
            for (nid, sub) in addedVocabulary.split(segment, with: addedVocabulary.normalizedMatcher) {
                if let nid { ids.append(Int(nid)); continue }
                let bytes = sub.count == segment.count ? segment : Array(segment[sub])
                encodeSegment(bytes, atOrigin: atOrigin && sub.lowerBound == 0, cache: &cache, scratch: &scratch,
                              into: &ids)
            }
        }
        if addSpecialTokens { ids.append(contentsOf: postProcessor.suffix.map(Int.init)) }
        return ids
    }

    static let maxCachedWordBytes = 256

    private struct EncodeScratch {
        var symbols: [Int32] = []
        var wordIds: [Int32] = []
    }

    /// Pre-tokenizes one normalized segment and runs every word through the (cached) model.
    private func encodeSegment(_ bytes: [UInt8], atOrigin: Bool, cache: inout WordCache, scratch: inout EncodeScratch,
                               into ids: inout [Int]) {
        var text = PreTokenizedText(bytes: bytes, atOrigin: atOrigin)
        for step in preTokenizers { step.apply(to: &text) }
        text.bytes.withUnsafeBufferPointer { p in
            for piece in text.pieces {
                let word = UnsafeBufferPointer(rebasing: p[piece.range])
                // Long words (whole lines when there is no pre-tokenizer) rarely repeat: not worth caching.
                let cacheable = word.count <= Self.maxCachedWordBytes
                let h = cacheable ? WordCache.hash(word) : 0
                if cacheable && cache.lookup(word, hash: h, into: &ids) { continue }
                scratch.wordIds.removeAll(keepingCapacity: true)
                model.tokenize(word, byteLevel: modelMapsBytes, symbols: &scratch.symbols, into: &scratch.wordIds)
                if cacheable { cache.insert(word, hash: h, ids: scratch.wordIds[...]) }
                for id in scratch.wordIds { ids.append(Int(id)) }
            }
        }
    }

    /// Decodes ids back to text through the configured decoders (HF `tokenizer.decode`). Unknown ids are
    /// skipped; with `skipSpecialTokens`, added tokens marked `special` are too.
    public func decode(_ ids: [Int], skipSpecialTokens: Bool = false) -> String {
        var tokens: [[UInt8]] = []
        for raw in ids {
            guard raw >= 0, raw <= Int(Int32.max) else { continue }
            let id = Int32(raw)
            if skipSpecialTokens, let t = addedById[id], t.special { continue }
            if let b = tokenBytes(id) { tokens.append(b) }
        }
        if decoders.isEmpty {
            return tokens.map { String(decoding: $0, as: UTF8.self) }.joined(separator: " ")
        }
        for d in decoders { tokens = d.apply(tokens) }
        return String(decoding: tokens.flatMap { $0 }, as: UTF8.self)
    }
}
