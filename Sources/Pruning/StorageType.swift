import TensorCore

/// Element types a down-projection can be stored in, with exact conversion from Float64.
public enum StorageType: String, Sendable, Codable {
    case bf16 = "BF16", f16 = "F16", f32 = "F32"

    public var byteSize: Int { self == .f32 ? 4 : 2 }

    /// Reads element i of little-endian `bytes` as Float64 (exact).
    @inline(__always)
    func load(_ bytes: UnsafeRawPointer, _ i: Int) -> Double {
        switch self {
        case .bf16:
            let bits = UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
            return Double(Float(bitPattern: UInt32(bits) << 16))
        case .f16:
            let bits = UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
            return Double(Float16(bitPattern: bits))
        case .f32:
            return Double(Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))))
        }
    }

    /// Stores `x` as element i, rounded once to nearest, ties to even (no double rounding), little-endian.
    @inline(__always)
    func store(_ x: Double, _ bytes: UnsafeMutableRawPointer, _ i: Int) {
        switch self {
        case .bf16:
            bytes.storeBytes(of: Self.bf16Bits(x).littleEndian, toByteOffset: 2 * i, as: UInt16.self)
        case .f16:
            bytes.storeBytes(of: Float16(x).bitPattern.littleEndian, toByteOffset: 2 * i, as: UInt16.self)
        case .f32:
            bytes.storeBytes(of: Float(x).bitPattern.littleEndian, toByteOffset: 4 * i, as: UInt32.self)
        }
    }

    /// Float64 → bfloat16 bits, one rounding to nearest even. Going through Float32 with plain rounding could round
    /// twice (a Float64 just above a bf16 tie can become the tie itself in Float32, then round to even the wrong
    /// way); rounding to Float32 *to odd* first keeps the sticky information, so the final RNE step is exact.
    static func bf16Bits(_ x: Double) -> UInt16 {
        var f = Float(x)                       // RNE to Float32
        if f.isFinite, Double(f) != x {
            // Replace by round-to-odd: truncate toward zero, then force the lowest bit to 1.
            if abs(Double(f)) > abs(x) { f = Float(bitPattern: f.bitPattern &- 1) }
            f = Float(bitPattern: f.bitPattern | 1)
        }
        return HalfConversion.bf16Bits(f)
    }
}
