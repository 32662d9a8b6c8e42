extension JSONValue {
    /// JSON text. `indent` nil: compact (`{"a":1,"b":[1,2]}`, as safetensors headers are written);
    /// otherwise pretty-printed with that many spaces, `": "` and one member per line (as Python's
    /// `json.dumps(indent=2)` writes config.json). Non-ASCII characters are written as UTF-8, not escaped.
    public func serialized(indent: Int? = nil) -> String {
        var out = ""
        write(to: &out, indent: indent, level: 0)
        return out
    }

    private func write(to out: inout String, indent: Int?, level: Int) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let text): out += text
        case .string(let s): Self.writeString(s, to: &out)
        case .array(let items):
            writeContainer(open: "[", close: "]", count: items.count, to: &out, indent: indent, level: level) { i, out in
                items[i].write(to: &out, indent: indent, level: level + 1)
            }
        case .object(let object):
            writeContainer(open: "{", close: "}", count: object.count, to: &out, indent: indent, level: level) { i, out in
                Self.writeString(object.members[i].key, to: &out)
                out += indent == nil ? ":" : ": "
                object.members[i].value.write(to: &out, indent: indent, level: level + 1)
            }
        }
    }

    private func writeContainer(open: String, close: String, count: Int, to out: inout String, indent: Int?,
                                level: Int, item: (Int, inout String) -> Void) {
        out += open
        guard count > 0 else { out += close; return }
        let inner = indent.map { "\n" + String(repeating: " ", count: $0 * (level + 1)) } ?? ""
        for i in 0..<count {
            if i > 0 { out += "," }
            out += inner
            item(i, &out)
        }
        out += indent.map { "\n" + String(repeating: " ", count: $0 * level) } ?? ""
        out += close
    }

    private static func writeString(_ s: String, to out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}
