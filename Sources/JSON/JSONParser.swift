/// A strict JSON parser (RFC 8259) over UTF-8 bytes that keeps member order, number text and the exact bytes of
/// every string, and rejects duplicate object keys (or keeps the last, on request). Foundation's parser cannot do
/// this: it silently keeps one of two duplicate keys (safetensors forbids duplicates), merges keys that are
/// canonically equivalent Unicode (`"é"` and `"e\u0301"`, both present in real tokenizer vocabularies), and reads
/// numbers as Double (losing offsets above 2⁵³). Used for safetensors headers and indexes, config.json and
/// tokenizer.json.
public struct JSONParser {
    /// What to do with a key that appears twice in one object (keys compare byte-exactly).
    public enum DuplicateKeys: Sendable {
        /// Throw a `ParseError` naming the key (safetensors headers).
        case reject
        /// Keep the last value, at the first occurrence's position (what serde-based readers such as Hugging Face
        /// `tokenizers` end up with).
        case keepLast
    }

    /// What went wrong, and at which byte offset of the input.
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public var message: String
        public var offset: Int
        /// Set when the error is a duplicate object key.
        public var duplicateKey: String?
        public var description: String { "\(message) at byte \(offset)" }
    }

    private let bytes: UnsafeRawBufferPointer
    private let duplicateKeys: DuplicateKeys
    private var pos = 0
    private var depth = 0
    private static let maxDepth = 512

    private init(_ bytes: UnsafeRawBufferPointer, duplicateKeys: DuplicateKeys) {
        self.bytes = bytes; self.duplicateKeys = duplicateKeys
    }

    /// Parses one JSON value; only whitespace may follow it.
    public static func parse(_ bytes: UnsafeRawBufferPointer,
                             duplicateKeys: DuplicateKeys = .reject) throws(ParseError) -> JSONValue {
        var p = JSONParser(bytes, duplicateKeys: duplicateKeys)
        p.skipWhitespace()
        let v = try p.parseValue()
        p.skipWhitespace()
        if p.pos != bytes.count { throw p.error("unexpected characters after the JSON value") }
        return v
    }

    public static func parse(_ bytes: [UInt8], duplicateKeys: DuplicateKeys = .reject) throws(ParseError) -> JSONValue {
        do {
            return try bytes.withUnsafeBytes { buf in try parse(buf, duplicateKeys: duplicateKeys) }
        } catch let e as ParseError {
            throw e
        } catch {
            throw ParseError(message: "\(error)", offset: 0)
        }
    }

    private func error(_ message: String, at offset: Int? = nil) -> ParseError {
        ParseError(message: message, offset: offset ?? pos)
    }

    private var peek: UInt8? { pos < bytes.count ? bytes[pos] : nil }

    private mutating func skipWhitespace() {
        while pos < bytes.count {
            switch bytes[pos] {
            case 0x20, 0x09, 0x0A, 0x0D: pos += 1
            default: return
            }
        }
    }

    private mutating func expect(_ literal: StaticString, _ value: JSONValue) throws(ParseError) -> JSONValue {
        let n = literal.utf8CodeUnitCount
        guard pos + n <= bytes.count else { throw error("invalid literal") }
        for i in 0..<n where bytes[pos + i] != literal.utf8Start[i] { throw error("invalid literal") }
        pos += n
        return value
    }

    private mutating func parseValue() throws(ParseError) -> JSONValue {
        guard let c = peek else { throw error("unexpected end of input") }
        switch c {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): return try expect("true", .bool(true))
        case UInt8(ascii: "f"): return try expect("false", .bool(false))
        case UInt8(ascii: "n"): return try expect("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw error("unexpected character '\(Unicode.Scalar(c).escaped(asASCII: true))'")
        }
    }

    private mutating func enter() throws(ParseError) {
        depth += 1
        if depth > Self.maxDepth { throw error("nesting deeper than \(Self.maxDepth)") }
    }

    private mutating func parseObject() throws(ParseError) -> JSONValue {
        try enter(); defer { depth -= 1 }
        pos += 1
        var object = JSONObject()
        var seen = Set<[UInt8]>()
        skipWhitespace()
        if peek == UInt8(ascii: "}") { pos += 1; return .object(object) }
        while true {
            skipWhitespace()
            guard peek == UInt8(ascii: "\"") else { throw error("expected a string key") }
            let keyStart = pos
            let key = try parseString()
            // Keys compare byte-exactly (after unescaping), never by Unicode canonical equivalence.
            let repeated = !seen.insert(Array(key.utf8)).inserted
            if repeated && duplicateKeys == .reject {
                var e = error("duplicate key \"\(key)\"", at: keyStart)
                e.duplicateKey = key
                throw e
            }
            skipWhitespace()
            guard peek == UInt8(ascii: ":") else { throw error("expected ':' after key") }
            pos += 1
            skipWhitespace()
            let value = try parseValue()
            if repeated { object.replaceByteEqual(key, value) } else { object.appendUnchecked(key, value) }
            skipWhitespace()
            guard let c = peek else { throw error("unterminated object") }
            pos += 1
            if c == UInt8(ascii: "}") { return .object(object) }
            guard c == UInt8(ascii: ",") else { throw error("expected ',' or '}' in object", at: pos - 1) }
        }
    }

    private mutating func parseArray() throws(ParseError) -> JSONValue {
        try enter(); defer { depth -= 1 }
        pos += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if peek == UInt8(ascii: "]") { pos += 1; return .array(items) }
        while true {
            skipWhitespace()
            items.append(try parseValue())
            skipWhitespace()
            guard let c = peek else { throw error("unterminated array") }
            pos += 1
            if c == UInt8(ascii: "]") { return .array(items) }
            guard c == UInt8(ascii: ",") else { throw error("expected ',' or ']' in array", at: pos - 1) }
        }
    }

    private mutating func parseNumber() throws(ParseError) -> JSONValue {
        let start = pos
        func digits(_ p: inout Int, _ b: UnsafeRawBufferPointer) -> Int {
            let s = p
            while p < b.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b[p]) { p += 1 }
            return p - s
        }
        if peek == UInt8(ascii: "-") { pos += 1 }
        if peek == UInt8(ascii: "0") {
            pos += 1
            if let c = peek, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) { throw error("leading zero in number") }
        } else if digits(&pos, bytes) == 0 {
            throw error("invalid number", at: start)
        }
        if peek == UInt8(ascii: ".") {
            pos += 1
            guard digits(&pos, bytes) > 0 else { throw error("invalid number", at: start) }
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            pos += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { pos += 1 }
            guard digits(&pos, bytes) > 0 else { throw error("invalid number", at: start) }
        }
        return .number(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<pos]), as: UTF8.self))
    }

    private mutating func hex4() throws(ParseError) -> UInt32 {
        guard pos + 4 <= bytes.count else { throw error("truncated \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[pos]
            let d: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = c - UInt8(ascii: "A") + 10
            default: throw error("invalid \\u escape")
            }
            v = v << 4 | UInt32(d)
            pos += 1
        }
        return v
    }

    /// Parses a string starting at the opening quote; the raw bytes must be valid UTF-8.
    private mutating func parseString() throws(ParseError) -> String {
        let start = pos
        pos += 1
        var out: [UInt8] = []
        var runStart = pos
        while true {
            guard pos < bytes.count else { throw error("unterminated string", at: start) }
            let c = bytes[pos]
            if c == UInt8(ascii: "\"") {
                out.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[runStart..<pos]))
                pos += 1
                break
            }
            if c < 0x20 { throw error("control character in string") }
            if c != UInt8(ascii: "\\") { pos += 1; continue }
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[runStart..<pos]))
            pos += 1
            guard let e = peek else { throw error("unterminated string", at: start) }
            pos += 1
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800...0xDBFF).contains(scalar) {
                    guard pos + 2 <= bytes.count, bytes[pos] == UInt8(ascii: "\\"), bytes[pos + 1] == UInt8(ascii: "u") else {
                        throw error("unpaired surrogate in \\u escape")
                    }
                    pos += 2
                    let low = try hex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw error("unpaired surrogate in \\u escape") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    throw error("unpaired surrogate in \\u escape")
                }
                out.append(contentsOf: Array(String(Character(Unicode.Scalar(scalar)!)).utf8))
            default:
                throw error("invalid escape '\\\(Unicode.Scalar(e).escaped(asASCII: true))'", at: pos - 2)
            }
            runStart = pos
        }
        guard let s = String(validating: out, as: UTF8.self) else { throw error("invalid UTF-8 in string", at: start) }
        return s
    }
}
