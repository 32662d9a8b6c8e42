/// GPT-2's reversible byte ↔ character table used by the ByteLevel pre-tokenizer and decoder.
///
/// Bytes 0x21–0x7E, 0xA1–0xAC and 0xAE–0xFF (188 printable bytes) map to the scalar of the same value; the other
/// 68 bytes map, in increasing byte order, to U+0100, U+0101, … (so 0x20 ' ' ↦ 'Ġ' U+0120, 0x0A ↦ 'Ċ' U+010A).
public enum ByteLevelAlphabet {
    /// scalarOf[b]: the character byte b becomes.  [256]
    static let scalarOf: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 256)
        var next: UInt32 = 0x100
        for b in 0..<256 {
            if (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b) {
                table[b] = UInt32(b)
            } else {
                table[b] = next
                next += 1
            }
        }
        return table
    }()

    /// utf8Of[b]: UTF-8 bytes of scalarOf[b] (1 or 2 bytes).  [256]
    static let utf8Of: [[UInt8]] = scalarOf.map { UTF8Bytes.encode($0) }

    /// The byte a table character stands for, or nil if `scalar` is not in the table.
    static func byte(for scalar: UInt32) -> UInt8? {
        if scalar < 0x100 {
            let b = Int(scalar)
            if (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b) { return UInt8(b) }
            return nil
        }
        return inverseHigh[scalar]
    }

    private static let inverseHigh: [UInt32: UInt8] = {
        var d: [UInt32: UInt8] = [:]
        for b in 0..<256 where scalarOf[b] >= 0x100 { d[scalarOf[b]] = UInt8(b) }
        return d
    }()

    /// Maps every byte of `bytes` through the table (the ByteLevel pre-tokenizer's text transformation).
    static func map(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes { out.append(contentsOf: utf8Of[Int(b)]) }
        return out
    }

    /// Whether every character of `token` is one of the table's 256 characters (a byte-level vocabulary spells
    /// every token so).
    public static func spells(_ token: String) -> Bool {
        token.unicodeScalars.allSatisfy { byte(for: $0.value) != nil }
    }

    /// `text`'s UTF-8 bytes spelled in the table's characters (`" a"` → `"Ġa"`).
    public static func spelling(_ text: String) -> String {
        String(decoding: map(Array(text.utf8)[...]), as: UTF8.self)
    }
}
