// Shared ISA source (see PanelSource.swift): one tile of blocked causal attention (online softmax).

extension KernelCore {
    /// Query rows per attention tile and keys per block: memory per tile is O(tile·(keys + headDim)).
    package static let attentionQueryBlock = 64
    package static let attentionKeyBlock = 64

    /// Causal softmax attention for query rows t0 ..< t0+rows of query head `head`, reading KV head `kvHead`:
    /// out[t, :] = Σ_{s ≤ t} softmax_s(q_t·k_s·scale) v_s. Keys are visited in blocks with a running max and
    /// sum (online softmax), so no [T, T] score matrix exists.
    /// q: [T, qStride] (head at column head·headDim); k, v: [T, kvStride]; out like q.
    @inline(never)
    package static func attentionTile(t0: Int, rows: Int, head: Int, kvHead: Int, headDim hd: Int,
                                      q: UnsafePointer<Float>, qStride: Int,
                                      k: UnsafePointer<Float>, v: UnsafePointer<Float>, kvStride: Int,
                                      out: UnsafeMutablePointer<Float>, scale: Float) {
        let bk = attentionKeyBlock, w = FloatVector.scalarCount
        let s = UnsafeMutablePointer<Float>.allocate(capacity: rows * bk)      // scores/probabilities: [rows, bk]
        let o = UnsafeMutablePointer<Float>.allocate(capacity: rows * hd)      // unnormalised output: [rows, hd]
        let mx = UnsafeMutablePointer<Float>.allocate(capacity: rows)          // running max per row
        let sum = UnsafeMutablePointer<Float>.allocate(capacity: rows)         // running Σ e^(score − max)
        defer { s.deallocate(); o.deallocate(); mx.deallocate(); sum.deallocate() }
        o.initialize(repeating: 0, count: rows * hd)
        mx.initialize(repeating: -.infinity, count: rows)
        sum.initialize(repeating: 0, count: rows)
        let qBase = q + t0 * qStride + head * hd
        let last = t0 + rows - 1
        var s0 = 0
        while s0 <= last {
            let keys = min(bk, last + 1 - s0)
            // S = scale · Q_tile · K_blockᵀ
            PackedGemm.run(FloatVector.self, m: rows, n: keys, k: hd, a: RowMajorSource(qBase, ld: qStride),
                           b: RowMajorSource(k + s0 * kvStride + kvHead * hd, ld: kvStride),
                           c: s, ldc: bk, alpha: scale, accumulate: false)
            for r in 0..<rows {
                let valid = min(keys, t0 + r - s0 + 1)  // causal: keys s ≤ t
                let row = s + r * bk
                if valid <= 0 { for j in 0..<keys { row[j] = 0 }; continue }
                let m = max(mx[r], rowMax(count: valid, x: row))
                let correction = mx[r] == -.infinity ? 0 : expScalar(mx[r] - m)
                mx[r] = m
                let blockSum = storeExp(count: valid, x: row, scale: 1, shift: m)
                for t in valid..<keys { row[t] = 0 }
                sum[r] = sum[r] * correction + blockSum
                if correction != 1 {
                    let cv = FloatVector(repeating: correction)
                    let orow = o + r * hd
                    var d = 0
                    while d + w <= hd { VectorMath.store(VectorMath.load(orow + d) * cv, orow + d); d += w }
                    while d < hd { orow[d] *= correction; d += 1 }
                }
            }
            // O += P · V_block   (P: [rows, keys], V_block: [keys, hd] read as its transpose)
            PackedGemm.run(FloatVector.self, m: rows, n: hd, k: keys, a: RowMajorSource(UnsafePointer(s), ld: bk),
                           b: TransposedSource<Float, Float>(v + s0 * kvStride + kvHead * hd, ld: kvStride),
                           c: o, ldc: hd, alpha: 1, accumulate: true)
            s0 += bk
        }
        for r in 0..<rows {
            let inv = 1 / sum[r]
            let dst = out + (t0 + r) * qStride + head * hd
            for d in 0..<hd { dst[d] = o[r * hd + d] * inv }
        }
    }

    /// e^x for one value through the vector routine (so every exp in a softmax agrees).
    @inline(__always)
    static func expScalar(_ x: Float) -> Float { VectorMath.exp(FloatVector(repeating: x))[0] }
}
