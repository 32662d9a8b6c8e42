/// The floating-point element types weights are stored in (safetensors F32/F16/BF16), with exact widening to
/// Float64 and one correctly rounded narrowing from Float64.
public enum StorageType: String, Sendable, Codable {
    case bf16 = "BF16", f16 = "F16", f32 = "F32"

    public var byteSize: Int { self == .f32 ? 4 : 2 }

    /// Reads element i of little-endian `bytes` as Float64 (exact).
    @inline(__always)
    public func load(_ bytes: UnsafeRawPointer, _ i: Int) -> Double {
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
    public func store(_ x: Double, _ bytes: UnsafeMutableRawPointer, _ i: Int) {
        switch self {
        case .bf16:
            bytes.storeBytes(of: HalfConversion.bf16Bits(x).littleEndian, toByteOffset: 2 * i, as: UInt16.self)
        case .f16:
            bytes.storeBytes(of: Float16(x).bitPattern.littleEndian, toByteOffset: 2 * i, as: UInt16.self)
        case .f32:
            bytes.storeBytes(of: Float(x).bitPattern.littleEndian, toByteOffset: 4 * i, as: UInt32.self)
        }
    }

    /// Converts `count` stored elements to Float32 (exact): src: [count] elements of this type; dst: [count].
    public func widen(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, count: Int) {
        switch self {
        case .bf16: HalfConversion.bf16ToFloat(src, dst, count: count)
        case .f16: HalfConversion.f16ToFloat(src, dst, count: count)
        case .f32: UnsafeMutableRawPointer(dst).copyMemory(from: src, byteCount: count * 4)
        }
    }
}
