// Generic path: the shared kernels in ISAShared/ compiled for the baseline target (SSE2 on x86_64, NEON on
// arm64). This file fixes their vector widths and the multiply-add.

#if arch(arm64)
/// 8 Float32 lanes = two NEON registers (arm64 has 32, enough for the 6×16 tile).
typealias FloatVector = SIMD8<Float>
typealias DoubleVector = SIMD4<Double>
typealias FloatBits = SIMD8<UInt32>
typealias HalfBits = SIMD8<UInt16>
typealias HalfVector = SIMD8<Float16>
#else
/// 4 Float32 lanes = one SSE register (16 registers: the 6×8 tile fits).
typealias FloatVector = SIMD4<Float>
typealias DoubleVector = SIMD2<Double>
/// Bit patterns of a FloatVector.
typealias FloatBits = SIMD4<UInt32>
/// 16-bit patterns, one per FloatVector lane.
typealias HalfBits = SIMD4<UInt16>
/// IEEE half lanes (converted in software here).
typealias HalfVector = SIMD4<Float16>
#endif

/// c + a·b written as two operations: without a target CPU, `addingProduct` becomes a libm `fma` call per lane.
@inline(__always)
func fmadd<V: SIMD>(_ c: V, _ a: V, _ b: V) -> V where V.Scalar: FloatingPoint { c + a * b }
