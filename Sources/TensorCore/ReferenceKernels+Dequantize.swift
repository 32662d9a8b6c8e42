extension ReferenceKernels {
    /// Twin of `Dequantize.blocks`: every element computed on its own by `dequantizeElement`.
    /// src: [blocks]·blockBytes bytes; dst: [blocks·blockElements].
    public static func dequantize(_ format: QuantizedFormat, _ src: UnsafeRawPointer, count blocks: Int,
                                  into dst: UnsafeMutablePointer<Float>) {
        for b in 0..<blocks {
            for e in 0..<format.blockElements {
                dst[b * format.blockElements + e] = dequantizeElement(format, src + b * format.blockBytes, e)
            }
        }
    }

    /// Element `e` of one block, read straight from the layout as ggml's reference C code states it
    /// (`dequantize_row_*` in ggml-quants.c), byte by byte, with its own index arithmetic (no shared unpacking with the fast kernel).
    public static func dequantizeElement(_ format: QuantizedFormat, _ p: UnsafeRawPointer, _ e: Int) -> Float {
        func u8(_ i: Int) -> Int { Int(p.load(fromByteOffset: i, as: UInt8.self)) }
        func i8(_ i: Int) -> Int { Int(p.load(fromByteOffset: i, as: Int8.self)) }
        func f16(_ i: Int) -> Float {
            var v: Float = 0
            f16ToFloat(p + i, &v, count: 1)
            return v
        }
        /// Nibble of element j in a 32-element block whose 16 packed bytes start at `at` (low nibbles first).
        func nibble32(_ at: Int, _ j: Int) -> Int { j < 16 ? u8(at + j) & 0x0F : u8(at + j - 16) >> 4 }
        /// Bit j of the little-endian 32-bit word at `at`.
        func bit(_ at: Int, _ j: Int) -> Int { (u8(at + j / 8) >> (j % 8)) & 1 }
        switch format {
        case .q4_0: return f16(0) * Float(nibble32(2, e) - 8)
        case .q4_1: return f16(0) * Float(nibble32(4, e)) + f16(2)
        case .q5_0: return f16(0) * Float((nibble32(6, e) | bit(2, e) << 4) - 16)
        case .q5_1: return f16(0) * Float(nibble32(8, e) | bit(4, e) << 4) + f16(2)
        case .q8_0: return Float(i8(2 + e)) * f16(0)
        case .q2K:
            // 2-bit values: quarter (e % 128) / 32 of byte 16 + 32·(e / 128) + e % 32; group e / 16.
            let q = (u8(16 + 32 * (e / 128) + e % 32) >> (2 * ((e % 128) / 32))) & 3
            let sc = u8(e / 16)
            return f16(80) * Float(sc & 0x0F) * Float(q) - f16(82) * Float(sc >> 4)
        case .q3K:
            let g = e / 16
            let low4 = (u8(96 + g % 8) >> (4 * (g / 8))) & 0x0F
            let high2 = (u8(104 + g % 4) >> (2 * (g / 4))) & 0x03
            let scale = (low4 | high2 << 4) - 32
            let q2 = (u8(32 + 32 * (e / 128) + e % 32) >> (2 * ((e % 128) / 32))) & 3
            let hm = (u8(e % 32) >> (e / 32)) & 1
            return f16(108) * Float(scale) * Float(q2 - 4 * (1 - hm))
        case .q4K, .q5K:
            let j = e / 32
            let sc = j < 4 ? u8(4 + j) & 63 : (u8(4 + j + 4) & 0x0F) | (u8(4 + j - 4) >> 6) << 4
            let mn = j < 4 ? u8(4 + j + 4) & 63 : (u8(4 + j + 4) >> 4) | (u8(4 + j) >> 6) << 4
            let qsAt = format == .q5K ? 48 : 16
            var q = (u8(qsAt + 32 * (e / 64) + e % 32) >> (4 * ((e % 64) / 32))) & 0x0F
            if format == .q5K { q += 16 * ((u8(16 + e % 32) >> j) & 1) }
            return f16(0) * Float(sc) * Float(q) - f16(2) * Float(mn)
        case .q6K:
            let h = e / 128, r = e % 128
            let low = (u8(64 * h + r % 64) >> (4 * (r / 64))) & 0x0F
            let high = (u8(128 + 32 * h + r % 32) >> (2 * (r / 32))) & 0x03
            return f16(208) * Float(i8(192 + e / 16)) * Float((low | high << 4) - 32)
        }
    }
}
