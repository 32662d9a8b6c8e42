#if arch(x86_64)
import TensorCoreAVX2
import TensorCoreAVX512
#endif

/// The single-threaded kernels of one instruction-set path: the same shared sources (ISAShared/) compiled
/// into TensorCore (generic), TensorCoreAVX2 (haswell) and TensorCoreAVX512 (skylake-avx512).
/// The public kernels split work across threads and call these.
struct KernelTable: Sendable {
    typealias SGemm = @Sendable (_ m: Int, _ n: Int, _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int,
                                 _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>,
                                 _ ldc: Int, _ accumulate: Bool) -> Void
    typealias DGemm = @Sendable (_ m: Int, _ n: Int, _ k: Int, _ a: UnsafePointer<Double>, _ lda: Int,
                                 _ b: UnsafePointer<Double>, _ ldb: Int, _ c: UnsafeMutablePointer<Double>,
                                 _ ldc: Int, _ alpha: Double, _ accumulate: Bool) -> Void
    typealias Gram = @Sendable (_ rows: Int, _ kx: Int, _ ny: Int, _ x: UnsafePointer<Float>, _ ldx: Int,
                                _ y: UnsafePointer<Float>, _ ldy: Int, _ c: UnsafeMutablePointer<Double>,
                                _ ldc: Int) -> Void

    /// C (=|+=) A·Bᵀ, packed and blocked.
    let sgemm: SGemm
    /// C (=|+=) A·Bᵀ for few rows of A, unpacked.
    let sgemmFewRows: SGemm
    /// C (=|+=) alpha·A·Bᵀ in Float64.
    let dgemm: DGemm
    /// C += Xᵀ·Y, Float32 widened to Float64.
    let gramXtY: Gram
    /// Float32 lanes per vector (the micro-tile is 6 × 2·lanes).
    let floatLanes: Int

    static let generic = KernelTable(
        sgemm: TensorCore.KernelCore.sgemm, sgemmFewRows: TensorCore.KernelCore.sgemmFewRows,
        dgemm: TensorCore.KernelCore.dgemm, gramXtY: TensorCore.KernelCore.gramXtY,
        floatLanes: TensorCore.KernelCore.floatLanes)

    #if arch(x86_64)
    static let avx2 = KernelTable(
        sgemm: TensorCoreAVX2.KernelCore.sgemm, sgemmFewRows: TensorCoreAVX2.KernelCore.sgemmFewRows,
        dgemm: TensorCoreAVX2.KernelCore.dgemm, gramXtY: TensorCoreAVX2.KernelCore.gramXtY,
        floatLanes: TensorCoreAVX2.KernelCore.floatLanes)

    static let avx512 = KernelTable(
        sgemm: TensorCoreAVX512.KernelCore.sgemm, sgemmFewRows: TensorCoreAVX512.KernelCore.sgemmFewRows,
        dgemm: TensorCoreAVX512.KernelCore.dgemm, gramXtY: TensorCoreAVX512.KernelCore.gramXtY,
        floatLanes: TensorCoreAVX512.KernelCore.floatLanes)
    #endif
}

extension KernelPath {
    /// The kernels of this path. Callers pick the path (normally `.active`); asking for one the CPU lacks is a
    /// programming error caught by `KernelPath.select`, which never returns such a path.
    var kernels: KernelTable {
        switch self {
        case .generic: return .generic
        #if arch(x86_64)
        case .avx2: return .avx2
        case .avx512: return .avx512
        #else
        case .avx2, .avx512: return .generic
        #endif
        }
    }
}
