/// One elementary pre-tokenization step. `pre_tokenizer` configurations (including nested `Sequence`s) are
/// flattened into a list of these when the tokenizer is loaded (see `Tokenizer+Loading`).
enum PreTokenizerStep {
    /// How a split step finds its delimiters.
    enum Pattern {
        /// GPT-2 or Llama-3 regex, recognised by its exact text and matched by `PatternScanner`.
        case scanner(PatternScanner.Kind)
        /// HF `Digits`: every numeric scalar (`individual`) or every run of numeric scalars is a match.
        case digits(individual: Bool)
        /// A literal string (Split `{"String": ...}`, Metaspace's replacement character).
        case literal([UInt8])
        /// Any other regex.
        case regex(RegexMatcher)
    }

    case split(Pattern, SplitBehavior, invert: Bool)
    /// ByteLevel `add_prefix_space`: prepend ' ' to each piece that does not start with one.
    case prefixSpace
    /// ByteLevel's byte → character mapping, written into the text (when later steps need the mapped text;
    /// a final mapping is left to the BPE model, which maps bytes straight to token ids).
    case byteLevelMap
    /// Metaspace's text change: ' ' → replacement, then prepend the replacement per `prependScheme`.
    case metaspace(replacement: [UInt8], prependScheme: PrependScheme)

    enum PrependScheme: String { case always, first, never }

    func apply(to text: inout PreTokenizedText) {
        switch self {
        case let .split(pattern, behavior, invert):
            if case .scanner(let kind) = pattern, behavior == .isolated, !invert {
                text.split { p, r, out in PatternScanner.split(kind, p, r, into: &out) }
                return
            }
            text.split { p, r, out in
                let matches = Self.matches(pattern, p, r)
                behavior.apply(SplitBehavior.parts(of: r, matches: matches, invert: invert), into: &out)
            }
        case .prefixSpace:
            text.rewrite { bytes, _ in bytes.first == 0x20 ? Array(bytes) : [0x20] + bytes }
        case .byteLevelMap:
            text.rewrite { bytes, _ in ByteLevelAlphabet.map(bytes) }
        case let .metaspace(replacement, scheme):
            text.rewrite { bytes, atOrigin in
                var out: [UInt8] = []
                out.reserveCapacity(bytes.count + replacement.count * 4)
                for b in bytes { if b == 0x20 { out.append(contentsOf: replacement) } else { out.append(b) } }
                let prepend: Bool
                switch scheme {
                case .always: prepend = true
                case .first: prepend = atOrigin
                case .never: prepend = false
                }
                if prepend && !out.starts(with: replacement) { out.insert(contentsOf: replacement, at: 0) }
                return out
            }
        }
    }

    /// Delimiter matches of `pattern` in `range` of `p`: sorted, non-overlapping absolute byte ranges.
    static func matches(_ pattern: Pattern, _ p: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> [Range<Int>] {
        var out: [Range<Int>] = []
        switch pattern {
        case .scanner(let kind):
            PatternScanner.split(kind, p, range, into: &out)
        case .digits(let individual):
            var i = range.lowerBound
            while i < range.upperBound {
                let (v, n) = UTF8Bytes.decode(p, at: i)
                if ScalarClass.of(v).contains(.number) {
                    if individual || out.last?.upperBound != i { out.append(i..<i + n) }
                    else { out[out.count - 1] = out[out.count - 1].lowerBound..<i + n }
                }
                i += n
            }
        case .literal(let lit):
            guard !lit.isEmpty else { return [] }
            var i = range.lowerBound
            while i + lit.count <= range.upperBound {
                if p[i] == lit[0] && (1..<lit.count).allSatisfy({ p[i + $0] == lit[$0] }) {
                    out.append(i..<i + lit.count)
                    i += lit.count
                } else {
                    i += 1
                }
            }
        case .regex(let re):
            out = re.matches(p, range)
        }
        return out
    }
}
