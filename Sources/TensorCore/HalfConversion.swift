/// Bulk conversion between 16-bit floats (bfloat16, IEEE binary16) and Float32, SIMD and ISA-dispatched.
/// Widening is exact. Narrowing rounds to nearest, ties to even; NaN stays NaN (quiet), ±Inf stays ±Inf.
/// Sources are raw bytes (little-endian), read unaligned, so they may point straight into a mapped file.
public enum HalfConversion {
    /// bf16 → f32: the 16 bits become the high half of the f32 pattern. src: [count]·2 bytes; dst: [count].
    public static func bf16ToFloat(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, count: Int,
                                   path: KernelPath = .active) {
        path.kernels.bf16ToFloat(src, dst, count)
    }

    /// f16 → f32 (exact, including subnormals). src: [count]·2 bytes; dst: [count].
    public static func f16ToFloat(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, count: Int,
                                  path: KernelPath = .active) {
        path.kernels.f16ToFloat(src, dst, count)
    }

    /// f32 → bf16, round to nearest even; NaN becomes a quiet NaN with the same sign. dst: [count]·2 bytes.
    public static func floatToBF16(_ src: UnsafePointer<Float>, _ dst: UnsafeMutableRawPointer, count: Int,
                                   path: KernelPath = .active) {
        path.kernels.floatToBF16(src, dst, count)
    }

    /// f32 → f16, round to nearest even (overflow to ±Inf). dst: [count]·2 bytes.
    public static func floatToF16(_ src: UnsafePointer<Float>, _ dst: UnsafeMutableRawPointer, count: Int,
                                  path: KernelPath = .active) {
        path.kernels.floatToF16(src, dst, count)
    }

    /// One f32 → bf16 bit pattern, round to nearest even; NaN → quiet NaN keeping the sign.
    @inlinable
    public static func bf16Bits(_ x: Float) -> UInt16 {
        let u = x.bitPattern
        if x.isNaN { return UInt16(truncatingIfNeeded: u >> 16) | 0x0040 }
        let rounded = u &+ 0x7FFF &+ ((u >> 16) & 1)
        return UInt16(truncatingIfNeeded: rounded >> 16)
    }

    /// Float64 → bfloat16 bits, one rounding to nearest even. Going through Float32 with plain rounding could round
    /// twice (a Float64 just above a bf16 tie can become the tie itself in Float32, then round to even the wrong
    /// way); rounding to Float32 *to odd* first keeps the sticky information, so the final RNE step is exact.
    public static func bf16Bits(_ x: Double) -> UInt16 {
        var f = Float(x)                       // RNE to Float32
        if f.isFinite, Double(f) != x {
            // Replace by round-to-odd: truncate toward zero, then force the lowest bit to 1.
            if abs(Double(f)) > abs(x) { f = Float(bitPattern: f.bitPattern &- 1) }
            f = Float(bitPattern: f.bitPattern | 1)
        }
        return bf16Bits(f)
    }
}
