/// The general regex path (patterns not recognised by `PatternScanner`): Swift `Regex` with
/// `.unicodeScalar` matching semantics, which is code-point based like Oniguruma (the default grapheme
/// semantics would split differently). Slower than the hand scanners, but only used for unusual patterns.
struct RegexMatcher: @unchecked Sendable {
    // `Regex<AnyRegexOutput>` is immutable after construction; matching does not mutate it.
    private let regex: Regex<AnyRegexOutput>
    let pattern: String

    init(pattern: String, component: String) throws {
        self.pattern = pattern
        do {
            regex = try Regex(pattern).matchingSemantics(.unicodeScalar)
        } catch {
            throw TokenizerError.badRegex(component: component, pattern: pattern, reason: "\(error)")
        }
    }

    /// Non-overlapping matches in `range` of valid UTF-8 `p`, as absolute byte ranges, left to right.
    func matches(_ p: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> [Range<Int>] {
        let s = String(decoding: UnsafeBufferPointer(rebasing: p[range]), as: UTF8.self)
        var out: [Range<Int>] = []
        for m in s.matches(of: regex) {
            let a = s.utf8.distance(from: s.startIndex, to: m.range.lowerBound)
            let b = s.utf8.distance(from: s.startIndex, to: m.range.upperBound)
            out.append(range.lowerBound + a ..< range.lowerBound + b)
        }
        return out
    }
}
