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
                                 _ transA: Bool, _ b: UnsafePointer<Double>, _ ldb: Int, _ transB: Bool,
                                 _ c: UnsafeMutablePointer<Double>, _ ldc: Int, _ alpha: Double,
                                 _ accumulate: Bool) -> Void
    typealias Gram = @Sendable (_ rows: Int, _ kx: Int, _ ny: Int, _ x: UnsafePointer<Float>, _ ldx: Int,
                                _ y: UnsafePointer<Float>, _ ldy: Int, _ c: UnsafeMutablePointer<Double>,
                                _ ldc: Int) -> Void

    /// C (=|+=) A·Bᵀ, packed and blocked.
    let sgemm: SGemm
    /// C (=|+=) A·Bᵀ for few rows of A, unpacked.
    let sgemmFewRows: SGemm
    /// C (=|+=) alpha·A·Bᵀ in Float64 (A or B optionally stored transposed).
    let dgemm: DGemm
    /// C += Xᵀ·Y, Float32 widened to Float64.
    let gramXtY: Gram
    /// Float32 lanes per vector (the micro-tile is 6 × 2·lanes).
    let floatLanes: Int
    let rmsNorm: @Sendable (_ rows: Int, _ dim: Int, _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                            _ eps: Float, _ y: UnsafeMutablePointer<Float>) -> Void
    let rope: @Sendable (_ rows: Int, _ heads: Int, _ headDim: Int, _ x: UnsafeMutablePointer<Float>,
                         _ cos: UnsafePointer<Float>, _ sin: UnsafePointer<Float>) -> Void
    let siluGate: @Sendable (_ count: Int, _ gate: UnsafePointer<Float>, _ up: UnsafePointer<Float>,
                             _ out: UnsafeMutablePointer<Float>) -> Void
    let add: @Sendable (_ count: Int, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) -> Void
    let dot: @Sendable (_ count: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>) -> Float
    let weightedRowSum: @Sendable (_ rows: Int, _ count: Int, _ width: Int, _ weights: UnsafePointer<Float>,
                                   _ values: UnsafePointer<Float>, _ ldv: Int, _ out: UnsafeMutablePointer<Float>) -> Void
    let sum: @Sendable (_ count: Int, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>,
                        _ out: UnsafeMutablePointer<Float>) -> Void
    let rowMax: @Sendable (_ count: Int, _ x: UnsafePointer<Float>) -> Float
    let sumExp: @Sendable (_ count: Int, _ x: UnsafePointer<Float>, _ shift: Float) -> Float
    let causalSoftmax: @Sendable (_ rows: Int, _ count: Int, _ firstValid: Int, _ scale: Float,
                                  _ x: UnsafeMutablePointer<Float>, _ ld: Int) -> Void
    let bf16ToFloat: @Sendable (UnsafeRawPointer, UnsafeMutablePointer<Float>, Int) -> Void
    let f16ToFloat: @Sendable (UnsafeRawPointer, UnsafeMutablePointer<Float>, Int) -> Void
    let floatToBF16: @Sendable (UnsafePointer<Float>, UnsafeMutableRawPointer, Int) -> Void
    let floatToF16: @Sendable (UnsafePointer<Float>, UnsafeMutableRawPointer, Int) -> Void

    static let generic = KernelTable(
        sgemm: TensorCore.KernelCore.sgemm, sgemmFewRows: TensorCore.KernelCore.sgemmFewRows,
        dgemm: TensorCore.KernelCore.dgemm, gramXtY: TensorCore.KernelCore.gramXtY,
        floatLanes: TensorCore.KernelCore.floatLanes,
        rmsNorm: TensorCore.KernelCore.rmsNorm, rope: TensorCore.KernelCore.rope, siluGate: TensorCore.KernelCore.siluGate,
        add: TensorCore.KernelCore.add, dot: TensorCore.KernelCore.dot, weightedRowSum: TensorCore.KernelCore.weightedRowSum, sum: TensorCore.KernelCore.sum,
        rowMax: TensorCore.KernelCore.rowMax, sumExp: TensorCore.KernelCore.sumExp,
        causalSoftmax: TensorCore.KernelCore.causalSoftmax,
        bf16ToFloat: TensorCore.KernelCore.bf16ToFloat, f16ToFloat: TensorCore.KernelCore.f16ToFloat,
        floatToBF16: TensorCore.KernelCore.floatToBF16, floatToF16: TensorCore.KernelCore.floatToF16)

    #if arch(x86_64)
    static let avx2 = KernelTable(
        sgemm: TensorCoreAVX2.KernelCore.sgemm, sgemmFewRows: TensorCoreAVX2.KernelCore.sgemmFewRows,
        dgemm: TensorCoreAVX2.KernelCore.dgemm, gramXtY: TensorCoreAVX2.KernelCore.gramXtY,
        floatLanes: TensorCoreAVX2.KernelCore.floatLanes,
        rmsNorm: TensorCoreAVX2.KernelCore.rmsNorm, rope: TensorCoreAVX2.KernelCore.rope, siluGate: TensorCoreAVX2.KernelCore.siluGate,
        add: TensorCoreAVX2.KernelCore.add, dot: TensorCoreAVX2.KernelCore.dot, weightedRowSum: TensorCoreAVX2.KernelCore.weightedRowSum, sum: TensorCoreAVX2.KernelCore.sum,
        rowMax: TensorCoreAVX2.KernelCore.rowMax, sumExp: TensorCoreAVX2.KernelCore.sumExp,
        causalSoftmax: TensorCoreAVX2.KernelCore.causalSoftmax,
        bf16ToFloat: TensorCoreAVX2.KernelCore.bf16ToFloat, f16ToFloat: TensorCoreAVX2.KernelCore.f16ToFloat,
        floatToBF16: TensorCoreAVX2.KernelCore.floatToBF16, floatToF16: TensorCoreAVX2.KernelCore.floatToF16)

    static let avx512 = KernelTable(
        sgemm: TensorCoreAVX512.KernelCore.sgemm, sgemmFewRows: TensorCoreAVX512.KernelCore.sgemmFewRows,
        dgemm: TensorCoreAVX512.KernelCore.dgemm, gramXtY: TensorCoreAVX512.KernelCore.gramXtY,
        floatLanes: TensorCoreAVX512.KernelCore.floatLanes,
        rmsNorm: TensorCoreAVX512.KernelCore.rmsNorm, rope: TensorCoreAVX512.KernelCore.rope, siluGate: TensorCoreAVX512.KernelCore.siluGate,
        add: TensorCoreAVX512.KernelCore.add, dot: TensorCoreAVX512.KernelCore.dot, weightedRowSum: TensorCoreAVX512.KernelCore.weightedRowSum, sum: TensorCoreAVX512.KernelCore.sum,
        rowMax: TensorCoreAVX512.KernelCore.rowMax, sumExp: TensorCoreAVX512.KernelCore.sumExp,
        causalSoftmax: TensorCoreAVX512.KernelCore.causalSoftmax,
        bf16ToFloat: TensorCoreAVX512.KernelCore.bf16ToFloat, f16ToFloat: TensorCoreAVX512.KernelCore.f16ToFloat,
        floatToBF16: TensorCoreAVX512.KernelCore.floatToBF16, floatToF16: TensorCoreAVX512.KernelCore.floatToF16)
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
