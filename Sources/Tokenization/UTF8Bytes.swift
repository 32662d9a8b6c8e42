/// Small UTF-8 helpers on raw bytes (the tokenizer works on bytes, never on `String` comparisons).
enum UTF8Bytes {
    /// The UTF-8 encoding of scalar value `v` (must be a valid scalar).
    @inline(__always)
    static func encode(_ v: UInt32) -> [UInt8] {
        var out: [UInt8] = []
        append(v, to: &out)
        return out
    }

    @inline(__always)
    static func append(_ v: UInt32, to out: inout [UInt8]) {
        switch v {
        case 0..<0x80: out.append(UInt8(v))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | (v >> 6))); out.append(UInt8(0x80 | (v & 0x3F)))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | (v >> 12))); out.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (v & 0x3F)))
        default:
            out.append(UInt8(0xF0 | (v >> 18))); out.append(UInt8(0x80 | ((v >> 12) & 0x3F)))
            out.append(UInt8(0x80 | ((v >> 6) & 0x3F))); out.append(UInt8(0x80 | (v & 0x3F)))
        }
    }

    /// Length of the UTF-8 sequence that starts with lead byte `b` (1 for stray continuation bytes).
    @inline(__always)
    static func sequenceLength(_ b: UInt8) -> Int {
        if b < 0xC0 { return 1 }
        if b < 0xE0 { return 2 }
        if b < 0xF0 { return 3 }
        return 4
    }

    /// Decodes the scalar starting at `i` in valid UTF-8 `p`; returns (scalar value, byte length).
    @inline(__always)
    static func decode(_ p: UnsafeBufferPointer<UInt8>, at i: Int) -> (UInt32, Int) {
        let b0 = UInt32(p[i])
        if b0 < 0x80 { return (b0, 1) }
        if b0 < 0xE0 { return ((b0 & 0x1F) << 6 | UInt32(p[i + 1] & 0x3F), 2) }
        if b0 < 0xF0 {
            return ((b0 & 0x0F) << 12 | UInt32(p[i + 1] & 0x3F) << 6 | UInt32(p[i + 2] & 0x3F), 3)
        }
        return ((b0 & 0x07) << 18 | UInt32(p[i + 1] & 0x3F) << 12 | UInt32(p[i + 2] & 0x3F) << 6
                | UInt32(p[i + 3] & 0x3F), 4)
    }

    /// Decodes the scalar that ends just before `end` (the one whose bytes are `[start, end)`).
    @inline(__always)
    static func decodeBefore(_ p: UnsafeBufferPointer<UInt8>, end: Int) -> (UInt32, Int) {
        var s = end - 1
        while s > 0, p[s] & 0xC0 == 0x80 { s -= 1 }
        return decode(p, at: s)
    }

    /// The scalar values of valid UTF-8 `bytes`.
    static func scalars(_ bytes: [UInt8]) -> [UInt32] {
        bytes.withUnsafeBufferPointer { p in
            var out: [UInt32] = []
            out.reserveCapacity(p.count)
            var i = 0
            while i < p.count { let (v, n) = decode(p, at: i); out.append(v); i += n }
            return out
        }
    }
}
