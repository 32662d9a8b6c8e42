// Shared ISA source (see PanelSource.swift): vector exp and small helpers on FloatVector.

enum VectorMath {
    /// e^x per lane, |relative error| ≲ 2 ulp on [−87.3, 88.37]; inputs outside are clamped to it (so e^x ≥ 1.2e−38, ≤ 2.4e38).
    /// Range reduction x = n·ln2 + r with |r| ≤ ln2/2 (Cody–Waite split of ln2), degree-6 polynomial for e^r
    /// (Cephes expf coefficients), then scaling by 2^n built in the exponent bits. n is rounded to nearest with
    /// the 1.5·2²³ trick, so no rounding instruction (or libm call) is needed on any target.
    @inline(__always)
    static func exp(_ x: FloatVector) -> FloatVector {
        let magic = FloatVector(repeating: 12_582_912)  // 1.5·2²³: adding it rounds to an integer in the low bits
        // Clamp with compares and blends: the standard library's `clamped` is a generic call per vector.
        let xc = minimum(maximum(x, FloatVector(repeating: -87.3)), FloatVector(repeating: 88.37))
        let shifted = fmadd(magic, xc, FloatVector(repeating: 1.442_695_040_888_963_4))  // x·log2(e) + magic
        let n = shifted - magic
        var r = fmadd(xc, n, FloatVector(repeating: -0.693_359_375))
        r = fmadd(r, n, FloatVector(repeating: 2.121_944_4e-4))
        var p = FloatVector(repeating: 1.987_569_150_0e-4)
        p = fmadd(FloatVector(repeating: 1.398_199_950_7e-3), p, r)
        p = fmadd(FloatVector(repeating: 8.333_451_907_3e-3), p, r)
        p = fmadd(FloatVector(repeating: 4.166_579_589_4e-2), p, r)
        p = fmadd(FloatVector(repeating: 1.666_666_545_9e-1), p, r)
        p = fmadd(FloatVector(repeating: 5.000_000_120_1e-1), p, r)
        let y = fmadd(r + 1, p, r * r)
        // 2^n: the integer n sits in the low mantissa bits of `shifted` (offset by magic's bits 0x4B40_0000).
        let nBits = unsafeBitCast(shifted, to: FloatBits.self) &- 0x4B40_0000
        let scale = unsafeBitCast((nBits &+ 127) &<< 23, to: FloatVector.self)
        return y * scale
    }

    /// e^x per lane for x ≤ 0, and exactly 0 where x < −87.3 (including x = −∞): what a softmax over masked or
    /// far-below-the-maximum entries needs. Same polynomial and error as `exp` elsewhere.
    @inline(__always)
    static func expNonPositive(_ x: FloatVector) -> FloatVector {
        let lowest = FloatVector(repeating: -87.3)
        return exp(x).replacing(with: 0, where: x .< lowest)
    }

    /// Lane-wise max(a, b) (b where b > a, so a NaN in b is ignored), as compare and blend.
    @inline(__always)
    static func maximum(_ a: FloatVector, _ b: FloatVector) -> FloatVector { a.replacing(with: b, where: b .> a) }

    /// Lane-wise min(a, b) (b where b < a), as compare and blend.
    @inline(__always)
    static func minimum(_ a: FloatVector, _ b: FloatVector) -> FloatVector { a.replacing(with: b, where: b .< a) }

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> FloatVector {
        UnsafeRawPointer(p).loadUnaligned(as: FloatVector.self)
    }

    @inline(__always)
    static func store(_ v: FloatVector, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: FloatVector.self)
    }
}
