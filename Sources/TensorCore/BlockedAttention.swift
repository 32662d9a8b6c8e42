import Foundation

/// Causal grouped-query attention for one sample, computed with GEMMs over blocks of query rows.
///
/// For KV head g, its G = H/KV query heads h = g·G + j, and a block of query rows [r0, r1):
/// ```
/// Q̃ = stack_j Q_{gG+j}[r0..<r1]                  Q̃: [G·(r1−r0), hd]   (the group's heads share K and V)
/// S = Q̃ · K_g[0..<r1]ᵀ · (1/√hd)                S: [G·(r1−r0), r1]   (keys after r1 are never needed)
/// P = softmax over s ≤ t of S[(j, t), s];  P[(j, t), s] = 0 for s > t
/// O = P · V_g[0..<r1]   (a C = A·Bᵀ product with Vᵀ_g: [hd, T]), scattered back to out[t, h·hd ..< h·hd+hd]
/// ```
/// Work items (block, KV head) are taken by the workers from a shared counter, latest (costliest) blocks first,
/// so both finish together; each worker has its own scratch and runs single-threaded GEMMs on `path`.
/// `ReferenceKernels.causalAttention` is the plain twin the tests compare against. Called as `Kernels.causalAttention`.
enum BlockedAttention {
    /// Query rows per block.
    static let block = 64

    /// q: [T, H·hd]; k, v: [T, KV·hd]; out: [T, H·hd]; `scratch` is grown as needed.
    static func run(seqLen t: Int, heads: Int, kvHeads: Int, headDim hd: Int,
                    q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                    out: UnsafeMutablePointer<Float>, scratch: FloatBuffer, path: KernelPath = .active) {
        let qStride = heads * hd, kvStride = kvHeads * hd, group = heads / kvHeads
        let blocks = (t + block - 1) / block
        let items = kvHeads * blocks
        let workers = max(1, min(Parallel.defaultThreads, items))
        let stacked = group * block                                 // rows of Q̃, S, O at most
        let perWorker = stacked * hd * 2 + stacked * t              // Q̃ [stacked, hd], O [stacked, hd], S [stacked, T]
        let base = scratch.reserve(kvHeads * hd * t + workers * perWorker)
        // Vᵀ per KV head: vt[g][j][s] = v[s, g·hd + j]   → [KV, hd, T]; in (head, position range) tasks.
        let positions = Parallel.split(t, parts: t * kvStride >= 1 << 15 ? 4 : 1, granule: 16)
        let sv = SharedPointer(v), dst = DisjointPointer(base)
        Parallel.forEach(kvHeads * positions.count, threads: workers) { task in
            let g = task / positions.count
            for s in positions[task % positions.count] {
                let src = sv.base + s * kvStride + g * hd
                for j in 0..<hd { dst.base[(g * hd + j) * t + s] = src[j] }
            }
        }
        let vt = SharedPointer(UnsafePointer(base))
        let work = DisjointPointer(base + kvHeads * hd * t)
        let sq = SharedPointer(q), sk = SharedPointer(k), so = DisjointPointer(out)
        let scale = 1 / Float(hd).squareRoot()
        let next = ItemCounter()
        Parallel.forEach(workers) { w in
            let qg = work.base + w * perWorker                      // Q̃: [G·rows, hd]
            let o = qg + stacked * hd                               // O: [G·rows, hd]
            let scores = o + stacked * hd                           // S: [G·rows, r1]
            while true {
                let item = next.take()
                if item >= items { break }
                let b = blocks - 1 - item / kvHeads, g = item % kvHeads   // costliest blocks first
                let r0 = b * block, r1 = min(t, r0 + block), rows = r1 - r0, m = group * rows
                for j in 0..<group {
                    for i in 0..<rows {
                        (qg + (j * rows + i) * hd).update(from: sq.base + (r0 + i) * qStride + (g * group + j) * hd, count: hd)
                    }
                }
                Gemm.sgemm(m: m, n: r1, k: hd, a: qg, lda: hd, b: sk.base + g * hd, ldb: kvStride,
                           c: scores, ldc: r1, threads: 1, path: path)
                for j in 0..<group {   // head j's rows [rows, r1]: row i sees keys 0 ... r0 + i
                    Kernels.causalSoftmax(rows: rows, count: r1, firstValid: r0 + 1, scale: scale,
                                          x: scores + j * rows * r1, ld: r1, path: path)
                }
                Gemm.sgemm(m: m, n: hd, k: r1, a: scores, lda: r1, b: vt.base + g * hd * t, ldb: t,
                           c: o, ldc: hd, threads: 1, path: path)
                for j in 0..<group {
                    for i in 0..<rows {
                        (so.base + (r0 + i) * qStride + (g * group + j) * hd).update(from: o + (j * rows + i) * hd, count: hd)
                    }
                }
            }
        }
    }
}

/// Hands out 0, 1, 2, … to the workers of one call (a lock, not `Synchronization.Atomic`, which needs macOS 15).
private final class ItemCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0

    func take() -> Int {
        lock.lock()
        defer { lock.unlock() }
        next += 1
        return next - 1
    }
}
