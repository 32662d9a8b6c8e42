/// Folds a linear map on a projection's output into its weight, rounded once to the weight's stored type.
///
/// A `Linear` with weight W: [D, F] (HF `[out, in]` layout) maps a row h: [F] to m = h·Wᵀ: [D]. Replacing m by
/// s·m·T (T: [D, D], s a scalar) gives h·(s·Tᵀ·W)ᵀ, hence
///
///     W′ = s·Tᵀ·W,   W′[i, j] = s · Σ_k T[k, i]·W[k, j]      (Float64, then one rounding to `storage`)
///
/// and, without T, W′ = s·W. The same routine serves the checkpoint writer (which encodes W′) and the edited
/// model (which runs W′ widened back to Float32), so a plan evaluated in memory and the checkpoint written from it
/// hold bit-identical weights. The product is `Gemm64.dgemm` over column blocks of W, so the Float64 working set
/// is 2·D·`columnBlock` values, not D·F. `ReferenceKernels.foldWeight` is the plain twin.
///
/// Zeros: a result that is exactly zero is +0 (a sum of products), so a −0 weight folded by the identity becomes +0.
public enum WeightFold {
    /// Columns of W per block of the product.
    public static let columnBlock = 256

    /// w: [D, F] Float32 (exact values of the stored weight); t: [D, D] Float64 row-major, or nil for T = I;
    /// out: [D, F] elements of `storage`, little-endian.
    public static func fold(weight w: UnsafePointer<Float>, rows d: Int, cols f: Int, transform t: UnsafePointer<Double>?,
                            scale: Double = 1, storage: StorageType, into out: UnsafeMutableRawPointer,
                            path: KernelPath = .active) {
        guard d > 0, f > 0 else { return }
        guard let t else {
            for i in 0..<(d * f) { storage.store(scale * Double(w[i]), out, i) }
            return
        }
        let nb = min(columnBlock, f)
        let block = UnsafeMutablePointer<Double>.allocate(capacity: d * nb)     // W[:, j0..<j1] as Float64: [D, nb]
        let product = UnsafeMutablePointer<Double>.allocate(capacity: d * nb)   // s·Tᵀ·W[:, j0..<j1]: [D, nb]
        defer { block.deallocate(); product.deallocate() }
        var j0 = 0
        while j0 < f {
            let n = min(nb, f - j0)
            for k in 0..<d {
                for j in 0..<n { block[k * n + j] = Double(w[k * f + j0 + j]) }
            }
            // C[i, j] = s · Σ_k A[k, i]·B[k, j] with A = T stored [K, M] (transA) and B stored [K, N] (transB).
            Gemm64.dgemm(m: d, n: n, k: d, a: t, lda: d, transA: true, b: block, ldb: n, transB: true,
                         c: product, ldc: n, alpha: scale, path: path)
            for i in 0..<d {
                for j in 0..<n { storage.store(product[i * n + j], out, i * f + j0 + j) }
            }
            j0 += n
        }
    }

    /// `fold`, then widened back to Float32 into w itself: w ← widen(round(s·Tᵀ·w)). w: [D, F].
    public static func foldInPlace(weight w: UnsafeMutablePointer<Float>, rows d: Int, cols f: Int,
                                   transform t: UnsafePointer<Double>?, scale: Double = 1, storage: StorageType,
                                   path: KernelPath = .active) {
        let bytes = UnsafeMutableRawPointer.allocate(byteCount: max(1, d * f * storage.byteSize), alignment: 16)
        defer { bytes.deallocate() }
        fold(weight: w, rows: d, cols: f, transform: t, scale: scale, storage: storage, into: bytes, path: path)
        storage.widen(bytes, w, count: d * f)
    }
}
