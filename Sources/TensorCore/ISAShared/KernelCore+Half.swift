// Shared ISA source (see PanelSource.swift): bulk bf16/f16 ↔ f32 conversion.
// Sources and destinations of 16-bit values are raw little-endian bytes, read and written unaligned.

extension KernelCore {
    /// bf16 → f32: the 16 bits become the high half of the f32 pattern (exact). src: [count]·2 bytes.
    @inline(never)
    package static func bf16ToFloat(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, count: Int) {
        let w = FloatVector.scalarCount, cv = count / w * w
        var i = 0
        while i < cv {
            let h = src.loadUnaligned(fromByteOffset: 2 * i, as: HalfBits.self)
            VectorMath.store(unsafeBitCast(FloatBits(truncatingIfNeeded: h) &<< 16, to: FloatVector.self), dst + i)
            i += w
        }
        for j in cv..<count {
            dst[j] = Float(bitPattern: UInt32(src.loadUnaligned(fromByteOffset: 2 * j, as: UInt16.self)) << 16)
        }
    }

    /// f32 → bf16, round to nearest even; NaN → quiet NaN with its sign. dst: [count]·2 bytes.
    @inline(never)
    package static func floatToBF16(_ src: UnsafePointer<Float>, _ dst: UnsafeMutableRawPointer, count: Int) {
        let w = FloatVector.scalarCount, cv = count / w * w
        var i = 0
        while i < cv {
            let x = VectorMath.load(src + i)
            let u = unsafeBitCast(x, to: FloatBits.self)
            let rounded = (u &+ 0x7FFF &+ ((u &>> 16) & 1)) &>> 16
            let quiet = (u &>> 16) | 0x0040
            let bits = rounded.replacing(with: quiet, where: x .!= x)
            dst.storeBytes(of: HalfBits(truncatingIfNeeded: bits), toByteOffset: 2 * i, as: HalfBits.self)
            i += w
        }
        for j in cv..<count {
            let x = src[j], u = x.bitPattern
            let b = x.isNaN ? (u >> 16) | 0x0040 : (u &+ 0x7FFF &+ ((u >> 16) & 1)) >> 16
            dst.storeBytes(of: UInt16(truncatingIfNeeded: b), toByteOffset: 2 * j, as: UInt16.self)
        }
    }

    /// f16 → f32 (exact, subnormals included). src: [count]·2 bytes.
    @inline(never)
    package static func f16ToFloat(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, count: Int) {
        let w = FloatVector.scalarCount, cv = count / w * w
        var i = 0
        while i < cv {
            let h = src.loadUnaligned(fromByteOffset: 2 * i, as: HalfBits.self)
            VectorMath.store(FloatVector(unsafeBitCast(h, to: HalfVector.self)), dst + i)
            i += w
        }
        for j in cv..<count {
            dst[j] = Float(Float16(bitPattern: src.loadUnaligned(fromByteOffset: 2 * j, as: UInt16.self)))
        }
    }

    /// f32 → f16, round to nearest even, overflow to ±Inf, NaN stays NaN. dst: [count]·2 bytes.
    @inline(never)
    package static func floatToF16(_ src: UnsafePointer<Float>, _ dst: UnsafeMutableRawPointer, count: Int) {
        let w = FloatVector.scalarCount, cv = count / w * w
        var i = 0
        while i < cv {
            let h = HalfVector(VectorMath.load(src + i))
            dst.storeBytes(of: unsafeBitCast(h, to: HalfBits.self), toByteOffset: 2 * i, as: HalfBits.self)
            i += w
        }
        for j in cv..<count {
            dst.storeBytes(of: Float16(src[j]).bitPattern, toByteOffset: 2 * j, as: UInt16.self)
        }
    }
}
