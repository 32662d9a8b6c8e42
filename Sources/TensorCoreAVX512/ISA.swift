// AVX-512 path (this module is compiled with -target-cpu skylake-avx512). The kernels are the shared sources in
// ISAShared/ (a symlink to Sources/TensorCore/ISAShared); this file fixes their vector widths and the FMA.

/// 16 Float32 lanes = one zmm register.
typealias FloatVector = SIMD16<Float>
/// 8 Float64 lanes = one zmm register.
typealias DoubleVector = SIMD8<Double>

/// c + a·b as one fused multiply-add instruction under this module's target CPU.
@inline(__always)
func fmadd<V: SIMD>(_ c: V, _ a: V, _ b: V) -> V where V.Scalar: FloatingPoint { c.addingProduct(a, b) }

/// Bit patterns of a FloatVector.
typealias FloatBits = SIMD16<UInt32>
/// 16-bit patterns, one per FloatVector lane.
typealias HalfBits = SIMD16<UInt16>
/// IEEE half lanes.
typealias HalfVector = SIMD16<Float16>
