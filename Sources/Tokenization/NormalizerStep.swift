import Foundation

/// One elementary normalizer (nested `Sequence`s are flattened at load time). Works on UTF-8 bytes.
enum NormalizerStep {
    /// HF `Prepend`: prepend the string to a non-empty segment.
    case prepend([UInt8])
    /// HF `Replace` with a `{"String": ...}` pattern: every non-overlapping occurrence, left to right.
    case replaceLiteral([UInt8], with: [UInt8])
    /// HF `Replace` with a `{"Regex": ...}` pattern.
    case replaceRegex(RegexMatcher, with: [UInt8])
    /// Unicode normalization forms and lowercasing (Foundation's Unicode data).
    case nfc, nfd, nfkc, nfkd, lowercase

    func apply(_ bytes: [UInt8]) -> [UInt8] {
        switch self {
        case .prepend(let s):
            return bytes.isEmpty ? bytes : s + bytes
        case let .replaceLiteral(pattern, content):
            return bytes.withUnsafeBufferPointer { p in
                Self.replace(p, PreTokenizerStep.matches(.literal(pattern), p, 0..<p.count), with: content)
            }
        case let .replaceRegex(re, content):
            return bytes.withUnsafeBufferPointer { p in Self.replace(p, re.matches(p, 0..<p.count), with: content) }
        case .nfc: return Array(String(decoding: bytes, as: UTF8.self).precomposedStringWithCanonicalMapping.utf8)
        case .nfd: return Array(String(decoding: bytes, as: UTF8.self).decomposedStringWithCanonicalMapping.utf8)
        case .nfkc: return Array(String(decoding: bytes, as: UTF8.self).precomposedStringWithCompatibilityMapping.utf8)
        case .nfkd: return Array(String(decoding: bytes, as: UTF8.self).decomposedStringWithCompatibilityMapping.utf8)
        case .lowercase: return Array(String(decoding: bytes, as: UTF8.self).lowercased().utf8)
        }
    }

    private static func replace(_ p: UnsafeBufferPointer<UInt8>, _ matches: [Range<Int>], with content: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(p.count + matches.count * content.count)
        var prev = 0
        for m in matches {
            out.append(contentsOf: UnsafeBufferPointer(rebasing: p[prev..<m.lowerBound]))
            out.append(contentsOf: content)
            prev = m.upperBound
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: p[prev..<p.count]))
        return out
    }
}
