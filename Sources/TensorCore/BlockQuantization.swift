/// GGML's block-quantized element formats (llama.cpp, GGUF files), and their dequantization to Float32.
///
/// A row of a quantized tensor is a sequence of blocks; each block stores `blockElements` values in `blockBytes`
/// bytes: one or two float16 factors and packed integers. Per format, element e of a block is (f16 factors
/// widened to Float32, each product and difference one Float32 rounding, in this order, no fused multiply-add;
/// the same operations as ggml's `dequantize_row_*` and the Python `gguf` package, so results are bit-identical):
///
/// | format | elements/bytes | value |
/// |---|---|---|
/// | Q4_0 | 32 / 18  | d·(q − 8), q a nibble |
/// | Q4_1 | 32 / 20  | d·q + m |
/// | Q5_0 | 32 / 22  | d·(q − 16), q = nibble + 16·high bit |
/// | Q5_1 | 32 / 24  | d·q + m |
/// | Q8_0 | 32 / 34  | q·d, q a signed byte |
/// | Q2_K | 256 / 84  | (d·sc)·q − (dmin·mn), 16 groups of 16, 4-bit sc and mn, 2-bit q |
/// | Q3_K | 256 / 110 | (d·sc)·q, 6-bit sc − 32, q = 2 low bits − 4 unless the high-mask bit is set |
/// | Q4_K | 256 / 144 | (d·sc)·q − (dmin·mn), 8 groups of 32, 6-bit sc and mn, 4-bit q |
/// | Q5_K | 256 / 176 | as Q4_K with 5-bit q (one high bit from qh) |
/// | Q6_K | 256 / 210 | (d·sc)·(q − 32), 16 groups of 16, signed 8-bit sc, 6-bit q |
///
/// The fast kernels decode a block's factors once and unpack its integers in the layout's natural order; the
/// reference twins (`ReferenceKernels.dequantizeElement`) compute each element on its own from the layout's
/// index formulas. Both are scalar (no ISA-specific path): dequantization runs once per tensor read.
public enum QuantizedFormat: String, CaseIterable, Sendable {
    case q4_0 = "Q4_0", q4_1 = "Q4_1", q5_0 = "Q5_0", q5_1 = "Q5_1", q8_0 = "Q8_0"
    case q2K = "Q2_K", q3K = "Q3_K", q4K = "Q4_K", q5K = "Q5_K", q6K = "Q6_K"

    /// Values per block.
    public var blockElements: Int {
        switch self {
        case .q4_0, .q4_1, .q5_0, .q5_1, .q8_0: return 32
        case .q2K, .q3K, .q4K, .q5K, .q6K: return 256
        }
    }

    /// Bytes per block.
    public var blockBytes: Int {
        switch self {
        case .q4_0: return 18
        case .q4_1: return 20
        case .q5_0: return 22
        case .q5_1: return 24
        case .q8_0: return 34
        case .q2K: return 84
        case .q3K: return 110
        case .q4K: return 144
        case .q5K: return 176
        case .q6K: return 210
        }
    }

    /// Byte offsets of the block's float16 factors that must be finite for the block to decode to finite values
    /// (the scale `d`, and `m`/`dmin` where the format has one).
    public var factorOffsets: [Int] {
        switch self {
        case .q4_0, .q5_0, .q8_0: return [0]
        case .q4_1, .q5_1, .q4K, .q5K: return [0, 2]
        case .q2K: return [80, 82]
        case .q3K: return [108]
        case .q6K: return [208]
        }
    }
}

/// Dequantization kernels (see `QuantizedFormat` for the formulas).
public enum Dequantize {
    /// src: [blocks]·blockBytes bytes (unaligned, e.g. straight from a mapped file); dst: [blocks·blockElements].
    /// Large inputs are split over threads by whole blocks (each block is independent).
    public static func blocks(_ format: QuantizedFormat, _ src: UnsafeRawPointer, count blocks: Int,
                              into dst: UnsafeMutablePointer<Float>) {
        let parts = blocks >= 4096 ? Parallel.defaultThreads : 1
        let ranges = Parallel.split(blocks, parts: parts)
        let out = DisjointPointer(dst)
        let input = SharedRawPointer(src)
        Parallel.forEach(ranges.count, threads: parts) { part in
            let r = ranges[part]
            for b in r {
                decode(format, input.base + b * format.blockBytes, out.base + b * format.blockElements)
            }
        }
    }

    /// One block: src: blockBytes bytes; dst: [blockElements].
    @inline(__always)
    static func decode(_ format: QuantizedFormat, _ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        switch format {
        case .q4_0:
            let d = half(p, 0)
            for j in 0..<16 {
                let q = p.load(fromByteOffset: 2 + j, as: UInt8.self)
                y[j] = d * Float(Int(q & 0x0F) - 8)
                y[j + 16] = d * Float(Int(q >> 4) - 8)
            }
        case .q4_1:
            let d = half(p, 0), m = half(p, 2)
            for j in 0..<16 {
                let q = p.load(fromByteOffset: 4 + j, as: UInt8.self)
                y[j] = d * Float(q & 0x0F) + m
                y[j + 16] = d * Float(q >> 4) + m
            }
        case .q5_0:
            let d = half(p, 0)
            let qh = p.loadUnaligned(fromByteOffset: 2, as: UInt32.self).littleEndian
            for j in 0..<16 {
                let q = p.load(fromByteOffset: 6 + j, as: UInt8.self)
                let lo = Int(q & 0x0F) | Int((qh >> UInt32(j)) & 1) << 4
                let hi = Int(q >> 4) | Int((qh >> UInt32(j + 16)) & 1) << 4
                y[j] = d * Float(lo - 16)
                y[j + 16] = d * Float(hi - 16)
            }
        case .q5_1:
            let d = half(p, 0), m = half(p, 2)
            let qh = p.loadUnaligned(fromByteOffset: 4, as: UInt32.self).littleEndian
            for j in 0..<16 {
                let q = p.load(fromByteOffset: 8 + j, as: UInt8.self)
                let lo = Int(q & 0x0F) | Int((qh >> UInt32(j)) & 1) << 4
                let hi = Int(q >> 4) | Int((qh >> UInt32(j + 16)) & 1) << 4
                y[j] = d * Float(lo) + m
                y[j + 16] = d * Float(hi) + m
            }
        case .q8_0:
            let d = half(p, 0)
            for j in 0..<32 { y[j] = Float(p.load(fromByteOffset: 2 + j, as: Int8.self)) * d }
        case .q2K:
            // scales[16] at 0, qs[64] at 16, d at 80, dmin at 82. Element 128h + 32s + l: bits 2s of qs[32h + l].
            let d = half(p, 80), dmin = half(p, 82)
            for h in 0..<2 {
                for s in 0..<4 {
                    for g in 0..<2 {   // two groups of 16 per (h, s)
                        let group = 8 * h + 2 * s + g
                        let sc = p.load(fromByteOffset: group, as: UInt8.self)
                        let dl = d * Float(sc & 0x0F), ml = dmin * Float(sc >> 4)
                        for l in (16 * g)..<(16 * g + 16) {
                            let q = (p.load(fromByteOffset: 16 + 32 * h + l, as: UInt8.self) >> UInt8(2 * s)) & 3
                            y[128 * h + 32 * s + l] = dl * Float(q) - ml
                        }
                    }
                }
            }
        case .q3K:
            // hmask[32] at 0, qs[64] at 32, scales[12] at 96, d at 108.
            let d = half(p, 108)
            withUnsafeTemporaryAllocation(of: Int.self, capacity: 16) { scales in   // [16] 6-bit scales − 32
            for i in 0..<16 {
                let low = Int(p.load(fromByteOffset: 96 + i % 8, as: UInt8.self) >> UInt8(4 * (i / 8))) & 0x0F
                let high = Int(p.load(fromByteOffset: 104 + i % 4, as: UInt8.self) >> UInt8(2 * (i / 4))) & 0x03
                scales[i] = (low | high << 4) - 32
            }
            for h in 0..<2 {
                for s in 0..<4 {
                    for g in 0..<2 {
                        let dl = d * Float(scales[8 * h + 2 * s + g])
                        for l in (16 * g)..<(16 * g + 16) {
                            let e = 128 * h + 32 * s + l
                            let low = Int(p.load(fromByteOffset: 32 + 32 * h + l, as: UInt8.self) >> UInt8(2 * s)) & 3
                            let mask = Int(p.load(fromByteOffset: l, as: UInt8.self) >> UInt8(e / 32)) & 1
                            y[e] = dl * Float(low - (mask == 0 ? 4 : 0))
                        }
                    }
                }
            }
            }
        case .q4K, .q5K:
            // d at 0, dmin at 2, scales[12] at 4; Q5_K: qh[32] at 16, qs[128] at 48; Q4_K: qs[128] at 16.
            // Element 64c + 32n + l: nibble n of qs[32c + l]; Q5_K adds bit (64c + 32n)/32 of qh[l] as the fifth bit.
            let d = half(p, 0), dmin = half(p, 2)
            let five = format == .q5K
            let qs = five ? 48 : 16
            for sub in 0..<8 {
                let (sc, mn) = kScaleMin(p + 4, sub)
                let dl = d * Float(sc), ml = dmin * Float(mn)
                let c = sub / 2, n = sub % 2
                for l in 0..<32 {
                    var q = Int(p.load(fromByteOffset: qs + 32 * c + l, as: UInt8.self) >> UInt8(4 * n)) & 0x0F
                    if five { q |= (Int(p.load(fromByteOffset: 16 + l, as: UInt8.self) >> UInt8(sub)) & 1) << 4 }
                    y[32 * sub + l] = dl * Float(q) - ml
                }
            }
        case .q6K:
            // ql[128] at 0, qh[64] at 128, scales[16] (int8) at 192, d at 208. Element 128h + r:
            // low nibble r/64 of ql[64h + r%64], two bits 2·(r/32) of qh[32h + r%32].
            let d = half(p, 208)
            for h in 0..<2 {
                for r in 0..<128 {
                    let e = 128 * h + r
                    let low = Int(p.load(fromByteOffset: 64 * h + r % 64, as: UInt8.self) >> UInt8(4 * (r / 64))) & 0x0F
                    let high = Int(p.load(fromByteOffset: 128 + 32 * h + r % 32, as: UInt8.self) >> UInt8(2 * (r / 32))) & 0x03
                    let sc = Float(p.load(fromByteOffset: 192 + e / 16, as: Int8.self))
                    y[e] = (d * sc) * Float((low | high << 4) - 32)
                }
            }
        }
    }

    /// The float16 at byte `offset`, widened.
    @inline(__always)
    static func half(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
        Float(Float16(bitPattern: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self).littleEndian))
    }

    /// 6-bit scale and min of sub-block j (0..<8) from the 12 packed bytes of Q4_K/Q5_K (ggml's get_scale_min_k4).
    @inline(__always)
    static func kScaleMin(_ s: UnsafeRawPointer, _ j: Int) -> (Int, Int) {
        func b(_ i: Int) -> Int { Int(s.load(fromByteOffset: i, as: UInt8.self)) }
        if j < 4 { return (b(j) & 63, b(j + 4) & 63) }
        return ((b(j + 4) & 0x0F) | ((b(j - 4) >> 6) << 4), (b(j + 4) >> 4) | ((b(j) >> 6) << 4))
    }
}

/// A read-only raw pointer shared by worker threads.
public struct SharedRawPointer: @unchecked Sendable {
    public let base: UnsafeRawPointer
    public init(_ base: UnsafeRawPointer) { self.base = base }
}
