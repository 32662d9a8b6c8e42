import Foundation

/// Hand-written matchers for the pre-tokenizer regexes nearly every byte-level checkpoint uses, with the
/// exact leftmost-first alternation and backtracking semantics of Oniguruma on Unicode scalars:
///
///   GPT-2:   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
///   Llama-3: (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*
///            |\s*[\r\n]+|\s+(?!\S)|\s+
///   Qwen2:   the Llama-3 pattern with `\p{N}` in place of `\p{N}{1,3}` (single digits)
///
/// All three patterns match at every position (every scalar is a letter, a number, whitespace or "other"), so the
/// matches tile the text: `matchEnd(at:)` returns where the match starting at `i` ends. `p` is valid UTF-8.
enum PatternScanner {
    static let gpt2Pattern = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+"
    static let llama3Pattern = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"

    static let qwen2Pattern = llama3Pattern.replacingOccurrences(of: "\\p{N}{1,3}", with: "\\p{N}")

    enum Kind: Sendable { case gpt2, llama3, qwen2 }

    @inline(__always)
    private static func classAt(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) -> (ScalarClass, Int) {
        let b = p[i]
        if b < 0x80 { return (asciiClass[Int(b)], 1) }
        let (v, n) = UTF8Bytes.decode(p, at: i)
        return (ScalarClass.of(v), n)
    }

    private static let asciiClass: [ScalarClass] = (0..<128).map { ScalarClass.compute(UInt32($0)) }

    @inline(__always)
    private static func isOther(_ c: ScalarClass) -> Bool { c.isDisjoint(with: [.letter, .number, .whitespace]) }

    /// End of the run of scalars from `i` whose class satisfies `pred` (at most `limit` scalars).
    @inline(__always)
    private static func run(_ p: UnsafeBufferPointer<UInt8>, from i: Int, end: Int, limit: Int = .max,
                            _ pred: (ScalarClass) -> Bool) -> Int {
        var j = i
        var count = 0
        while j < end, count < limit {
            let (c, n) = classAt(p, j)
            if !pred(c) { break }
            j += n
            count += 1
        }
        return j
    }

    /// `\s+(?!\S)|\s+` at `i` (a whitespace scalar): the whole run if it reaches the end of the text or is one
    /// scalar long, otherwise the run minus its last scalar (which then prefixes the next word).
    @inline(__always)
    private static func whitespaceEnd(_ p: UnsafeBufferPointer<UInt8>, from i: Int, end: Int) -> Int {
        let k = run(p, from: i, end: end) { $0.contains(.whitespace) }
        if k == end { return k }
        let (_, lastLen) = UTF8Bytes.decodeBefore(p, end: k)
        return k - lastLen > i ? k - lastLen : k
    }

    @inline(__always)
    private static func lower(_ b: UInt8) -> UInt8 { b | 0x20 }

    /// Length of a contraction ('s 't 're 've 'm 'll 'd) at `i`, or 0. `caseInsensitive` for Llama-3's `(?i:)`.
    @inline(__always)
    private static func contraction(_ p: UnsafeBufferPointer<UInt8>, at i: Int, end: Int, caseInsensitive: Bool) -> Int {
        guard p[i] == UInt8(ascii: "'"), i + 1 < end else { return 0 }
        let a = caseInsensitive ? lower(p[i + 1]) : p[i + 1]
        switch a {
        case UInt8(ascii: "s"), UInt8(ascii: "t"), UInt8(ascii: "m"), UInt8(ascii: "d"): return 2
        default: break
        }
        guard i + 2 < end else { return 0 }
        let b = caseInsensitive ? lower(p[i + 2]) : p[i + 2]
        if (a == UInt8(ascii: "r") && b == UInt8(ascii: "e")) || (a == UInt8(ascii: "v") && b == UInt8(ascii: "e"))
            || (a == UInt8(ascii: "l") && b == UInt8(ascii: "l")) { return 3 }
        return 0
    }

    /// End of the GPT-2 pattern's match starting at `i` (< end).
    static func gpt2End(_ p: UnsafeBufferPointer<UInt8>, from i: Int, end: Int) -> Int {
        let c = contraction(p, at: i, end: end, caseInsensitive: false)
        if c > 0 { return i + c }
        // ' ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+': an optional ' ' then a run of one class.
        var start = i
        var (first, _) = classAt(p, i)
        if p[i] == 0x20 && i + 1 < end {
            let (next, _) = classAt(p, i + 1)
            if !next.contains(.whitespace) { start = i + 1; first = next }
        }
        if first.contains(.letter) { return run(p, from: start, end: end) { $0.contains(.letter) } }
        if first.contains(.number) { return run(p, from: start, end: end) { $0.contains(.number) } }
        if !first.contains(.whitespace) { return run(p, from: start, end: end, isOther) }
        // \s+(?!\S)|\s+
        return whitespaceEnd(p, from: i, end: end)
    }

    /// End of the Llama-3 pattern's match starting at `i` (< end); `digits` is the `\p{N}{1,digits}` limit
    /// (3 for Llama-3, 1 for Qwen2).
    static func llama3End(_ p: UnsafeBufferPointer<UInt8>, from i: Int, end: Int, digits: Int = 3) -> Int {
        let c = contraction(p, at: i, end: end, caseInsensitive: true)
        if c > 0 { return i + c }
        let (cls, n) = classAt(p, i)
        // [^\r\n\p{L}\p{N}]?\p{L}+
        if cls.contains(.letter) { return run(p, from: i, end: end) { $0.contains(.letter) } }
        if !cls.contains(.number) && !cls.contains(.newline) && i + n < end {
            let (next, _) = classAt(p, i + n)
            if next.contains(.letter) { return run(p, from: i + n, end: end) { $0.contains(.letter) } }
        }
        // \p{N}{1,3}
        if cls.contains(.number) { return run(p, from: i, end: end, limit: digits) { $0.contains(.number) } }
        // ' ?[^\s\p{L}\p{N}]+[\r\n]*'
        var start = i
        var first = cls
        if p[i] == 0x20 && i + 1 < end {
            let (next, _) = classAt(p, i + 1)
            if isOther(next) { start = i + 1; first = next }
        }
        if isOther(first) {
            let j = run(p, from: start, end: end, isOther)
            return run(p, from: j, end: end) { $0.contains(.newline) }
        }
        // \s*[\r\n]+ : the whitespace run up to and including its last \r or \n.
        let k = run(p, from: i, end: end) { $0.contains(.whitespace) }
        var q = k
        while q > i {
            let (v, len) = UTF8Bytes.decodeBefore(p, end: q)
            if v == 0x0A || v == 0x0D { return q }
            q -= len
        }
        // \s+(?!\S)|\s+
        return whitespaceEnd(p, from: i, end: end)
    }

    /// Appends the matches of `kind` over `range` of `p` (they tile the range).
    static func split(_ kind: Kind, _ p: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, into out: inout [Range<Int>]) {
        var i = range.lowerBound
        let end = range.upperBound
        switch kind {
        case .gpt2:
            while i < end { let e = gpt2End(p, from: i, end: end); out.append(i..<e); i = e }
        case .llama3:
            while i < end { let e = llama3End(p, from: i, end: end); out.append(i..<e); i = e }
        case .qwen2:
            while i < end { let e = llama3End(p, from: i, end: end, digits: 1); out.append(i..<e); i = e }
        }
    }
}
