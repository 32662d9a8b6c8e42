// AVX2+FMA path (this module is compiled with -target-cpu haswell). The kernels are the shared sources in
// ISAShared/ (a symlink to Sources/TensorCore/ISAShared); this file fixes their vector widths and the FMA.

/// 8 Float32 lanes = one ymm register.
typealias FloatVector = SIMD8<Float>
/// 4 Float64 lanes = one ymm register.
typealias DoubleVector = SIMD4<Double>

/// c + a·b as one fused multiply-add instruction (vfmadd231ps/pd under this module's target CPU).
@inline(__always)
func fmadd<V: SIMD>(_ c: V, _ a: V, _ b: V) -> V where V.Scalar: FloatingPoint { c.addingProduct(a, b) }

/// Bit patterns of a FloatVector.
typealias FloatBits = SIMD8<UInt32>
/// 16-bit patterns, one per FloatVector lane.
typealias HalfBits = SIMD8<UInt16>
/// IEEE half lanes (converted with F16C's vcvtph2ps/vcvtps2ph).
typealias HalfVector = SIMD8<Float16>
