import TensorCore

/// Causal grouped-query attention for one sample, computed with GEMMs over blocks of query rows.
///
/// For query head h (KV head h / (H/KV)) and a block of query rows [r0, r1):
/// ```
/// S = Q_h[r0..<r1] · K[0..<r1]ᵀ · (1/√hd)        S: [r1−r0, r1]   (keys after r1 are never needed)
/// P = softmax over s ≤ t of S[t, s]; P[t, s] = 0 for s > t
/// O_h[r0..<r1] = P · V[0..<r1]                   via Vᵀ: [hd, T] so that it is a C = A·Bᵀ product
/// ```
/// Work items (head, block) are spread over the workers in an interleaved order (later blocks cost more),
/// each worker with its own scores buffer and single-threaded GEMMs. `ReferenceKernels.causalAttention` is the
/// plain twin the tests compare against.
enum BlockedAttention {
    /// Query rows per block.
    static let block = 64

    /// q: [T, H·hd]; k, v: [T, KV·hd]; out: [T, H·hd]; scratch is grown as needed (Vᵀ and scores).
    static func run(seqLen t: Int, heads: Int, kvHeads: Int, headDim hd: Int,
                    q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                    out: UnsafeMutablePointer<Float>, scratch: FloatBuffer) {
        let qStride = heads * hd, kvStride = kvHeads * hd, group = heads / kvHeads
        let blocks = (t + block - 1) / block
        let workers = max(1, min(Parallel.defaultThreads, heads * blocks))
        let scoresSize = block * t
        let base = scratch.reserve(kvHeads * hd * t + workers * scoresSize)
        // Vᵀ per KV head: vt[kv][j][s] = v[s, kv·hd + j]   → [KV, hd, T]
        for kv in 0..<kvHeads {
            for s in 0..<t {
                let src = v + s * kvStride + kv * hd
                for j in 0..<hd { base[(kv * hd + j) * t + s] = src[j] }
            }
        }
        let vt = SharedPointer(UnsafePointer(base))
        let scoresBase = DisjointPointer(base + kvHeads * hd * t)
        let sq = SharedPointer(q), sk = SharedPointer(k), so = DisjointPointer(out)
        let scale = 1 / Float(hd).squareRoot()
        let items = heads * blocks
        Parallel.forEach(workers) { w in
            let scores = scoresBase.base + w * scoresSize
            var item = w
            while item < items {
                let b = item / heads, h = item % heads, kv = h / group   // block-major: interleaves costs
                let r0 = b * block, r1 = min(t, r0 + block), rows = r1 - r0
                Gemm.sgemm(m: rows, n: r1, k: hd, a: sq.base + r0 * qStride + h * hd, lda: qStride,
                           b: sk.base + kv * hd, ldb: kvStride, c: scores, ldc: r1, threads: 1)
                for i in 0..<rows {
                    SoftmaxKernels.causalSoftmax(scores + i * r1, valid: r0 + i + 1, count: r1, scale: scale)
                }
                Gemm.sgemm(m: rows, n: hd, k: r1, a: scores, lda: r1, b: vt.base + kv * hd * t, ldb: t,
                           c: so.base + r0 * qStride + h * hd, ldc: qStride, threads: 1)
                item += workers
            }
        }
    }
}
