import Foundation

/// Element-wise and row-wise kernels of the LLaMA block: SIMD, ISA-dispatched (`KernelPath`), parallel over
/// rows or chunks when large. Every kernel has a naive twin in `ReferenceKernels` that the tests compare with.
public enum Kernels {
    /// Elements per parallel chunk of the element-wise kernels (below this, one thread).
    static let chunk = 1 << 16

    /// RMSNorm over rows: `y[t,:] = x[t,:] · rsqrt(mean(x[t,:]²) + eps) · w`, all in Float32 as HF does.
    /// x, y: [T, D] (may alias); w: [D].
    public static func rmsNorm(rows: Int, dim: Int, x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                               eps: Float, y: UnsafeMutablePointer<Float>, path: KernelPath = .active) {
        let kernel = path.kernels.rmsNorm
        let sx = SharedPointer(x), sw = SharedPointer(weight), sy = DisjointPointer(y)
        let ranges = Parallel.split(rows, parts: rows * dim >= chunk ? Parallel.defaultThreads : 1)
        Parallel.forEach(ranges.count) { i in
            let r = ranges[i]
            kernel(r.count, dim, sx.base + r.lowerBound * dim, sw.base, eps, sy.base + r.lowerBound * dim)
        }
    }

    /// Rotary embedding in HF rotate-half layout, in place.
    /// x: [T, heads·headDim]; cos, sin: [T, headDim/2] (row t holds the angles of position t).
    /// For each head and j < headDim/2: (a, b) = (x[j], x[j+h/2]) → (a·cos − b·sin, b·cos + a·sin).
    public static func rope(rows: Int, heads: Int, headDim: Int, x: UnsafeMutablePointer<Float>,
                            cos: UnsafePointer<Float>, sin: UnsafePointer<Float>, path: KernelPath = .active) {
        let kernel = path.kernels.rope, half = headDim / 2
        let sx = DisjointPointer(x), sc = SharedPointer(cos), ss = SharedPointer(sin)
        let ranges = Parallel.split(rows, parts: rows * heads * headDim >= chunk ? Parallel.defaultThreads : 1)
        Parallel.forEach(ranges.count) { i in
            let r = ranges[i]
            kernel(r.count, heads, headDim, sx.base + r.lowerBound * heads * headDim,
                   sc.base + r.lowerBound * half, ss.base + r.lowerBound * half)
        }
    }

    /// Causal softmax attention with grouped KV heads, scale `1/√headDim` (the attention the model runs:
    /// `BlockedAttention`, GEMMs over blocks of 64 query rows with the group's heads stacked).
    /// q: [T, H·hd]; k, v: [T, KV·hd]; out: [T, H·hd]. Query head h reads KV head h / (H/KV).
    /// `scratch` (grown as needed, reusable across calls): Vᵀ [KV, hd, T] + per worker [G·64, 2·hd + T].
    public static func causalAttention(seqLen: Int, heads: Int, kvHeads: Int, headDim: Int,
                                       q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                                       out: UnsafeMutablePointer<Float>, scratch: FloatBuffer = FloatBuffer(),
                                       path: KernelPath = .active) {
        if seqLen <= 0 || heads <= 0 { return }
        BlockedAttention.run(seqLen: seqLen, heads: heads, kvHeads: kvHeads, headDim: headDim, q: q, k: k, v: v,
                             out: out, scratch: scratch, path: path)
    }

    /// SwiGLU gate: `out[i] = silu(gate[i]) · up[i]`, silu(x) = x / (1 + e^(−x)). All [count]; out may alias.
    public static func siluGate(count: Int, gate: UnsafePointer<Float>, up: UnsafePointer<Float>,
                                out: UnsafeMutablePointer<Float>, path: KernelPath = .active) {
        let kernel = path.kernels.siluGate
        let sg = SharedPointer(gate), su = SharedPointer(up), so = DisjointPointer(out)
        forEachChunk(count) { r in kernel(r.count, sg.base + r.lowerBound, su.base + r.lowerBound, so.base + r.lowerBound) }
    }

    /// `out[i] = x[i] + y[i]` over [count] (out may alias x or y), parallel in chunks.
    public static func sum(count: Int, x: UnsafePointer<Float>, y: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>,
                           path: KernelPath = .active) {
        let kernel = path.kernels.sum
        let sx = SharedPointer(x), sy = SharedPointer(y), so = DisjointPointer(out)
        forEachChunk(count) { r in kernel(r.count, sx.base + r.lowerBound, sy.base + r.lowerBound, so.base + r.lowerBound) }
    }

    /// `to[i] = from[i]` over [count] (no overlap), parallel in chunks: a large copy on one core leaves the
    /// other idle between the layer's parallel kernels.
    public static func copy(count: Int, from: UnsafePointer<Float>, to: UnsafeMutablePointer<Float>) {
        let sf = SharedPointer(from), st = DisjointPointer(to)
        let ranges = Parallel.split(count, parts: count >= 4 * chunk ? Parallel.defaultThreads : 1, granule: 64)
        Parallel.forEach(ranges.count) { i in
            let r = ranges[i]
            (st.base + r.lowerBound).update(from: sf.base + r.lowerBound, count: r.count)
        }
    }

    /// Σ a[i]·b[i] over [count] Float32 values (vector lanes, Float32 accumulation), single-threaded.
    public static func dot(count: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, path: KernelPath = .active) -> Float {
        path.kernels.dot(count, a, b)
    }

    /// `out[j, :] = Σ_s weights[j, s]·values[s, :]` (O = P·V of attention for one query position), single-threaded.
    /// weights: [rows, count]; values: [count, width] with row stride ldv ≥ width; out: [rows, width].
    public static func weightedRowSum(rows: Int, count: Int, width: Int, weights: UnsafePointer<Float>,
                                      values: UnsafePointer<Float>, ldv: Int, out: UnsafeMutablePointer<Float>,
                                      path: KernelPath = .active) {
        path.kernels.weightedRowSum(rows, count, width, weights, values, ldv, out)
    }

    /// Residual add `y[i] += x[i]` over [count].
    public static func add(count: Int, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
                           path: KernelPath = .active) {
        let kernel = path.kernels.add
        let sx = SharedPointer(x), sy = DisjointPointer(y)
        forEachChunk(count) { r in kernel(r.count, sx.base + r.lowerBound, sy.base + r.lowerBound) }
    }

    /// Runs `body` over `0 ..< count` split into pieces of about `chunk` elements (bounds multiples of 64), the
    /// pieces in parallel: the scheduling of every element-wise kernel.
    private static func forEachChunk(_ count: Int, _ body: (Range<Int>) -> Void) {
        let ranges = Parallel.split(count, parts: (count + chunk - 1) / chunk, granule: 64)
        Parallel.forEach(ranges.count) { body(ranges[$0]) }
    }

    /// max_j x[j] over x: [count], count ≥ 1. Single-threaded (callers run it per row inside their own workers).
    public static func rowMax(count: Int, x: UnsafePointer<Float>, path: KernelPath = .active) -> Float {
        path.kernels.rowMax(count, x)
    }

    /// Σ_j e^(x[j] − shift) over x: [count], for shift ≥ max x; arguments below −87.3 (and −∞) contribute 0.
    /// With m = `rowMax`, log-sum-exp(x) = m + log(sumExp(x, m)). Single-threaded.
    public static func sumExp(count: Int, x: UnsafePointer<Float>, shift: Float, path: KernelPath = .active) -> Float {
        path.kernels.sumExp(count, x, shift)
    }

    /// Causal softmax of score rows, in place: row r of x ([rows, ld]) becomes softmax(scale·x[r, 0 ..< v_r])
    /// followed by zeros up to `count`, where v_r = min(count, firstValid + r) ≥ 1 is the number of keys query
    /// row r may see. Single-threaded.
    public static func causalSoftmax(rows: Int, count: Int, firstValid: Int, scale: Float,
                                     x: UnsafeMutablePointer<Float>, ld: Int, path: KernelPath = .active) {
        precondition(firstValid >= 1 && ld >= count, "causalSoftmax: firstValid ≥ 1 and ld ≥ count")
        path.kernels.causalSoftmax(rows, count, firstValid, scale, x, ld)
    }
}
