/// The Unicode classes the pre-tokenizer regexes ask about, with HF's (Oniguruma's) meanings:
/// `\p{L}` = general category L (Lu Ll Lt Lm Lo), `\p{N}` = N (Nd Nl No), `\s` = the White_Space property.
struct ScalarClass: OptionSet, Sendable {
    let rawValue: UInt8
    static let letter = ScalarClass(rawValue: 1)
    static let number = ScalarClass(rawValue: 2)
    static let whitespace = ScalarClass(rawValue: 4)
    /// `\r` or `\n` (the Llama-3 pattern treats them specially).
    static let newline = ScalarClass(rawValue: 8)

    /// Classes of U+0000…U+FFFF, computed once from the standard library's Unicode data (64 KiB).
    private static let bmp: [ScalarClass] = (0..<0x10000).map { compute(UInt32($0)) }

    @inline(__always)
    static func of(_ v: UInt32) -> ScalarClass {
        if v < 0x10000 { return bmp.withUnsafeBufferPointer { $0[Int(v)] } }
        return compute(v)
    }

    static func compute(_ v: UInt32) -> ScalarClass {
        guard let s = Unicode.Scalar(v) else { return [] }  // surrogates cannot occur in valid UTF-8
        var c: ScalarClass = []
        let p = s.properties
        switch p.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: c.insert(.letter)
        case .decimalNumber, .letterNumber, .otherNumber: c.insert(.number)
        default: break
        }
        if p.isWhitespace { c.insert(.whitespace) }
        if v == 0x0A || v == 0x0D { c.insert(.newline) }
        return c
    }

    /// Rust's `char::is_whitespace` (White_Space), used by added-token lstrip/rstrip.
    static func isWhitespace(_ v: UInt32) -> Bool { of(v).contains(.whitespace) }

    /// A word character for added tokens' `single_word` (HF checks with Rust regex `\w`):
    /// Alphabetic, marks (Mn Mc Me), decimal digits (Nd), connector punctuation (Pc) and Join_Control.
    static func isWordCharacter(_ v: UInt32) -> Bool {
        if v == 0x200C || v == 0x200D { return true }
        guard let s = Unicode.Scalar(v) else { return false }
        if s.properties.isAlphabetic { return true }
        switch s.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .connectorPunctuation: return true
        default: return false
        }
    }
}
