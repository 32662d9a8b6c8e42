/// A JSON document as parsed by `JSONParser`: object members keep their source order and numbers keep their
/// source text, so a document can be edited and written back with every untouched key byte-identical in meaning
/// (`1e-05` stays `1e-05`, 64-bit offsets stay exact), and strings keep their exact UTF-8 bytes (`bytesValue`).
/// Used for safetensors headers, indexes, config.json and tokenizer.json.
public enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    /// The number's literal text, validated against the JSON grammar (`-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?`).
    case number(String)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// A number from an integer.
    public static func int<I: BinaryInteger>(_ v: I) -> JSONValue { .number(String(v)) }

    /// A number from a double (shortest text that round-trips; integral values print without a fraction).
    public static func double(_ v: Double) -> JSONValue {
        if v.isFinite, v == v.rounded(), abs(v) < 1e15 { return .number(String(Int64(v)) + ".0") }
        return .number(String(v))
    }

    public var objectValue: JSONObject? { if case .object(let o) = self { return o }; return nil }
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { return a }; return nil }
    public var stringValue: String? { if case .string(let s) = self { return s }; return nil }
    public var boolValue: Bool? { if case .bool(let b) = self { return b }; return nil }
    public var isNull: Bool { if case .null = self { return true }; return false }
    /// The string's exact UTF-8 bytes (escapes resolved, never Unicode-normalised).
    public var bytesValue: [UInt8]? { stringValue.map { Array($0.utf8) } }
    /// Member `key` of an object; nil for a missing key or a value that is not an object.
    public subscript(key: String) -> JSONValue? { objectValue?[key] }

    /// The value as an exact integer (`12`, `12.0` and `1.2e1` qualify; `12.5` does not).
    public var intValue: Int? {
        guard case .number(let text) = self else { return nil }
        if let i = Int(text) { return i }
        guard let d = Double(text), d.isFinite, d == d.rounded(), abs(d) <= 9.007_199_254_740_992e15 else { return nil }
        return Int(d)
    }

    /// The value as an exact unsigned 64-bit integer (decimal digits only, as safetensors offsets are written).
    public var uint64Value: UInt64? {
        guard case .number(let text) = self else { return nil }
        return UInt64(text)
    }

    public var doubleValue: Double? {
        guard case .number(let text) = self else { return nil }
        return Double(text)
    }

    /// A short name of the value's kind, for error messages.
    public var kindName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}

/// A JSON object with members in source order. Keys are unique (the parser rejects duplicates).
public struct JSONObject: Equatable, Sendable {
    public struct Member: Equatable, Sendable {
        public var key: String
        public var value: JSONValue
    }

    public private(set) var members: [Member] = []

    public init() {}

    public init(_ pairs: [(String, JSONValue)]) {
        for (k, v) in pairs { self[k] = v }
    }

    public var keys: [String] { members.map(\.key) }
    public var count: Int { members.count }

    /// Reads a member; setting replaces it in place (keeping its position), appends a new key, or removes on nil.
    public subscript(key: String) -> JSONValue? {
        get { members.first(where: { $0.key == key })?.value }
        set {
            if let i = members.firstIndex(where: { $0.key == key }) {
                if let v = newValue { members[i].value = v } else { members.remove(at: i) }
            } else if let v = newValue {
                members.append(Member(key: key, value: v))
            }
        }
    }

    /// Appends without checking for an existing key (the parser checks duplicates itself).
    package mutating func appendUnchecked(_ key: String, _ value: JSONValue) {
        members.append(Member(key: key, value: value))
    }

    /// Replaces the value of the member whose key has exactly the bytes of `key` (the parser's `keepLast`).
    mutating func replaceByteEqual(_ key: String, _ value: JSONValue) {
        let bytes = Array(key.utf8)
        if let i = members.firstIndex(where: { Array($0.key.utf8) == bytes }) { members[i].value = value }
    }

    /// The members sorted by key (byte order of the UTF-8 encoding), as Python's `sort_keys=True` does for ASCII.
    public func sortedByKey() -> JSONObject {
        var o = JSONObject()
        o.members = members.sorted { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }
        return o
    }
}
