/// A parsed JSON value whose strings stay as their exact UTF-8 bytes.
///
/// Foundation's `JSONSerialization`/`JSONDecoder` key dictionaries by `String`, and Swift `String` equality is
/// canonical equivalence, so `"é"` (U+00E9) and `"e\u{301}"` collapse into one key. Real vocabularies hold both,
/// so the tokenizer reads JSON with this small parser, which keeps every object entry in order, byte-exact.
indirect enum JSONValue {
    case null
    case bool(Bool)
    case number(Double)
    /// The decoded string's UTF-8 bytes (escapes resolved, no Unicode normalisation).
    case string([UInt8])
    case array([JSONValue])
    /// Entries in document order; keys are UTF-8 bytes. Duplicate keys are kept (last one wins in lookups).
    case object([(key: [UInt8], value: JSONValue)])

    /// Looks up `key` in an object (nil for a missing key or a non-object).
    subscript(key: String) -> JSONValue? {
        guard case .object(let entries) = self else { return nil }
        let k = Array(key.utf8)
        return entries.last(where: { $0.key == k })?.value
    }

    var isNull: Bool { if case .null = self { return true } else { return false } }

    /// The value as a Swift string (for configuration fields; never used for vocabulary keys).
    var stringValue: String? {
        if case .string(let b) = self { return String(decoding: b, as: UTF8.self) }
        return nil
    }

    var bytesValue: [UInt8]? {
        if case .string(let b) = self { return b }
        return nil
    }

    var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    var doubleValue: Double? {
        if case .number(let d) = self { return d }
        return nil
    }

    /// An exact integer value (rejects fractions and out-of-range numbers).
    var intValue: Int? {
        guard case .number(let d) = self, d == d.rounded(), abs(d) < 9.0e15 else { return nil }
        return Int(d)
    }

    var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    var objectEntries: [(key: [UInt8], value: JSONValue)]? {
        if case .object(let e) = self { return e }
        return nil
    }
}
