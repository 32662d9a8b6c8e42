/// One elementary decoder (nested `Sequence`s flattened). Decoders work on the list of token strings, kept as
/// raw bytes so invalid UTF-8 is only repaired where HF repairs it.
enum DecoderStep {
    /// ByteLevel: map every character back to its byte; concatenate; decode UTF-8 lossily (one token out).
    case byteLevel
    /// Replace with a `{"String": ...}` pattern, token by token.
    case replace([UInt8], with: [UInt8])
    /// Runs of `<0xXX>` tokens become their UTF-8 string (or one U+FFFD per byte if invalid).
    case byteFallback
    /// Concatenate all tokens into one.
    case fuse
    /// Remove up to `start` leading and `stop` trailing `content` characters from each token.
    case strip(content: UInt32, start: Int, stop: Int)
    /// Metaspace: the replacement character becomes ' '; in the first token it is dropped unless the
    /// prepend scheme is `never`.
    case metaspace(replacement: UInt32, prependScheme: PreTokenizerStep.PrependScheme)

    static let replacementCharacter: [UInt8] = [0xEF, 0xBF, 0xBD]

    func apply(_ tokens: [[UInt8]]) -> [[UInt8]] {
        switch self {
        case .byteLevel:
            var bytes: [UInt8] = []
            for t in tokens {
                let scalars = UTF8Bytes.scalars(t)
                let mapped = scalars.compactMap { ByteLevelAlphabet.byte(for: $0) }
                bytes.append(contentsOf: mapped.count == scalars.count ? mapped : t)
            }
            return [Array(String(decoding: bytes, as: UTF8.self).utf8)]
        case let .replace(pattern, content):
            return tokens.map { t in
                t.withUnsafeBufferPointer { p in
                    NormalizerStep.replaceLiteral(pattern, with: content).apply(Array(p))
                }
            }
        case .byteFallback:
            var out: [[UInt8]] = []
            var pending: [UInt8] = []
            func flush() {
                guard !pending.isEmpty else { return }
                if String(validating: pending, as: UTF8.self) != nil {
                    out.append(pending)
                } else {
                    out.append(contentsOf: Array(repeating: Self.replacementCharacter, count: pending.count))
                }
                pending = []
            }
            for t in tokens {
                if let b = BPEModel.byteOfFallbackToken(t) { pending.append(b) } else { flush(); out.append(t) }
            }
            flush()
            return out
        case .fuse:
            return [tokens.flatMap { $0 }]
        case let .strip(content, start, stop):
            return tokens.map { t in
                let s = UTF8Bytes.scalars(t)
                var a = 0
                while a < min(start, s.count) && s[a] == content { a += 1 }
                var b = 0
                while b < min(stop, s.count - a) && s[s.count - 1 - b] == content { b += 1 }
                var out: [UInt8] = []
                for v in s[a..<(s.count - b)] { UTF8Bytes.append(v, to: &out) }
                return out
            }
        case let .metaspace(replacement, scheme):
            return tokens.enumerated().map { i, t in
                var out: [UInt8] = []
                for v in UTF8Bytes.scalars(t) {
                    if v == replacement {
                        if i == 0 && scheme != .never { continue }
                        out.append(0x20)
                    } else {
                        UTF8Bytes.append(v, to: &out)
                    }
                }
                return out
            }
        }
    }
}
