/// The `added_tokens` of tokenizer.json and how HF finds them in text (`AddedVocabulary::find_matches`).
///
/// Tokens with `normalized: false` are matched in the raw input before normalization; tokens with
/// `normalized: true` are matched (by their normalized content) in each normalized segment. Matching is
/// leftmost-longest (Aho-Corasick `LeftmostLongest`): the earliest start wins, then the longest token there.
/// `single_word` discards a match touching a word character; `lstrip`/`rstrip` absorb adjacent whitespace.
struct AddedVocabulary {
    struct Token {
        var id: Int32
        var content: [UInt8]
        var singleWord = false
        var lstrip = false
        var rstrip = false
        var normalized = false
        var special = false
    }

    /// A set of patterns searched together (one per added token of the same normalization kind).
    struct Matcher {
        /// (pattern bytes, index into `tokens`), bucketed by first byte, longest first.  [256]
        private var buckets: [[(pattern: [UInt8], token: Int)]] = Array(repeating: [], count: 256)
        var isEmpty = true

        init(_ patterns: [(pattern: [UInt8], token: Int)]) {
            for (pat, t) in patterns where !pat.isEmpty {
                buckets[Int(pat[0])].append((pat, t))
                isEmpty = false
            }
            for b in 0..<256 { buckets[b].sort { $0.pattern.count > $1.pattern.count } }
        }

        /// The longest pattern starting at `i`, as (token index, end).
        @inline(__always)
        func longest(_ p: UnsafeBufferPointer<UInt8>, at i: Int) -> (Int, Int)? {
            let bucket = buckets[Int(p[i])]
            if bucket.isEmpty { return nil }
            for (pat, t) in bucket where i + pat.count <= p.count {
                var k = 1
                while k < pat.count && p[i + k] == pat[k] { k += 1 }
                if k == pat.count { return (t, i + pat.count) }
            }
            return nil
        }
    }

    let tokens: [Token]
    /// Tokens matched before normalization (`normalized: false`).
    let rawMatcher: Matcher
    /// Tokens matched after normalization, by their normalized content.
    let normalizedMatcher: Matcher

    /// `normalize` turns a token's content into the form searched in normalized text.
    init(tokens: [Token], normalize: ([UInt8]) -> [UInt8]) {
        self.tokens = tokens
        rawMatcher = Matcher(tokens.enumerated().filter { !$0.element.normalized }.map { ($0.element.content, $0.offset) })
        normalizedMatcher = Matcher(tokens.enumerated().filter { $0.element.normalized }
            .map { (normalize($0.element.content), $0.offset) })
    }

    /// Splits `text` into added-token matches (with their id) and the segments between them (id nil).
    /// Segments are non-empty; matches are never empty.
    func split(_ text: [UInt8], with matcher: Matcher) -> [(id: Int32?, range: Range<Int>)] {
        if matcher.isEmpty || text.isEmpty { return text.isEmpty ? [] : [(nil, 0..<text.count)] }
        return text.withUnsafeBufferPointer { p in
            var out: [(id: Int32?, range: Range<Int>)] = []
            var segmentStart = 0
            var i = 0
            while i < p.count {
                guard let (t, matchEnd) = matcher.longest(p, at: i) else { i += 1; continue }
                let token = tokens[t]
                var start = i
                var stop = matchEnd
                i = matchEnd   // the search resumes after this match even when it is discarded below
                if token.singleWord {
                    let startOK = start == 0 || !ScalarClass.isWordCharacter(UTF8Bytes.decodeBefore(p, end: start).0)
                    let stopOK = stop == p.count || !ScalarClass.isWordCharacter(UTF8Bytes.decode(p, at: stop).0)
                    if !startOK || !stopOK { continue }
                }
                if token.lstrip {
                    var s = start
                    while s > 0 {
                        let (v, n) = UTF8Bytes.decodeBefore(p, end: s)
                        if !ScalarClass.isWhitespace(v) { break }
                        s -= n
                    }
                    start = max(s, segmentStart)
                }
                if token.rstrip {
                    while stop < p.count {
                        let (v, n) = UTF8Bytes.decode(p, at: stop)
                        if !ScalarClass.isWhitespace(v) { break }
                        stop += n
                    }
                }
                if segmentStart < start { out.append((nil, segmentStart..<start)) }
                out.append((token.id, start..<stop))
                segmentStart = stop
                i = max(i, stop)
            }
            if segmentStart < p.count { out.append((nil, segmentStart..<p.count)) }
            return out
        }
    }
}
