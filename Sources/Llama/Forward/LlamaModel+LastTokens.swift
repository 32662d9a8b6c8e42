import TensorCore

/// Which rows the last layer of a `forward` computes.
public enum FinalLayerRows: Sendable, Equatable {
    /// Every token row (the default).
    case all
    /// Only each sample's last token: keys and values are still projected for every position (the last token
    /// attends to all of them), but queries, attention, o_proj, the MLP and the residual run for one row per
    /// sample. The layer's `LayerStates` then has one row per sample (`sampleRows[s] = s ..< s+1`). For pass-1
    /// distances at the last token this skips ~90% of the last layer's work.
    case lastTokens
}

extension LlamaModel {
    /// Decoder layer k for each sample's last token only (see `FinalLayerRows.lastTokens`).
    /// Reads `workspace.input` (L_{k-1}: [R, D]); writes the compact matrices, S = number of samples:
    /// `lastInput` (L_{k-1} at the last tokens), `attentionResidual` (Y_k), `mlpOutput` (M_k), `output` (L_k),
    /// each [S, D], row s for sample s.
    func runLayerLastTokens(_ w: LayerWeights, batch: ForwardBatch) {
        let g = geometry, ws = workspace, shape = w.shape
        let rows = batch.rows, samples = batch.sampleCount
        let d = g.hiddenSize, qw = shape.queryWidth, kw = shape.kvWidth, hd = shape.headDim, half = hd / 2
        let x = ws.input.pointer                                   // L_{k-1}: [R, D]
        let xs = ws.lastInput.reserve(samples * d)                 // L_{k-1} last rows: [S, D]
        let normed = ws.normed.reserve(rows * d)                   // RMSNorm_in(L_{k-1}): [R, D]
        let y = ws.attentionResidual.reserve(samples * d)          // Y_k: [S, D]
        let m = ws.mlpOutput.reserve(samples * d)                  // M_k: [S, D]
        let out = ws.output.reserve(samples * d)                   // L_k: [S, D]
        let lastRows = batch.sampleRows.map { $0.upperBound - 1 }
        for (s, r) in lastRows.enumerated() { (xs + s * d).update(from: x + r * d, count: d) }

        if shape.hasAttention {
            let k = ws.key.reserve(rows * kw)                      // [R, KV·hd]
            let v = ws.value.reserve(rows * kw)                    // [R, KV·hd]
            let q = ws.query.reserve(samples * qw)                 // [S, H·hd]
            let attn = ws.attention.reserve(samples * qw)          // [S, H·hd]
            // Keys and values of every position; the query of the last position only.
            rmsNorm(rows: rows, x: x, weight: w.inputNorm, y: normed)
            project(normed, rows: rows, inDim: d, weight: w.k, bias: w.kBias, outDim: kw, out: k)
            project(normed, rows: rows, inDim: d, weight: w.v, bias: w.vBias, outDim: kw, out: v)
            for (s, r) in lastRows.enumerated() {
                (y + s * d).update(from: normed + r * d, count: d)     // y holds the normed last rows until Y_k
            }
            project(y, rows: samples, inDim: d, weight: w.q, bias: w.qBias, outDim: qw, out: q)

            let cos = UnsafePointer(workspace.ropeCos.pointer), sin = UnsafePointer(workspace.ropeSin.pointer)
            for (s, range) in batch.sampleRows.enumerated() {
                let t = range.count, r0 = range.lowerBound
                Kernels.rope(rows: t, heads: shape.kvHeads, headDim: hd, x: k + r0 * kw, cos: cos, sin: sin)
                Kernels.rope(rows: 1, heads: shape.heads, headDim: hd, x: q + s * qw, cos: cos + (t - 1) * half,
                             sin: sin + (t - 1) * half)
                attendLastToken(length: t, shape: shape, q: q + s * qw, k: k + r0 * kw, v: v + r0 * kw, out: attn + s * qw)
            }
            // Y_k = L_{k-1} + attn·W_oᵀ on the S rows.
            y.update(from: xs, count: samples * d)
            project(attn, rows: samples, inDim: qw, weight: w.o, bias: w.oBias, outDim: d, out: y, accumulate: true)
        } else {
            y.update(from: xs, count: samples * d)
        }

        // M_k = MLP(RMSNorm_post(Y_k)); L_k = Y_k + M_k, on the S rows.
        guard shape.hasMLP else {
            m.initialize(repeating: 0, count: samples * d)
            out.update(from: y, count: samples * d)
            return
        }
        let n2 = normed                                             // RMSNorm_post(Y_k): [S, D] (reused)
        rmsNorm(rows: samples, x: y, weight: w.postAttentionNorm, y: n2)
        let inter = shape.intermediateSize
        let gate = ws.gate.reserve(samples * inter), up = ws.up.reserve(samples * inter)   // [S, I] each
        project(n2, rows: samples, inDim: d, weight: w.gate, bias: w.gateBias, outDim: inter, out: gate)
        project(n2, rows: samples, inDim: d, weight: w.up, bias: w.upBias, outDim: inter, out: up)
        Kernels.siluGate(count: samples * inter, gate: gate, up: up, out: gate)
        project(gate, rows: samples, inDim: inter, weight: w.down, bias: w.downBias, outDim: d, out: m)
        Kernels.sum(count: samples * d, x: y, y: m, out: out)
    }

    /// Attention of one query position (the last of a sample, position T−1) over keys 0..<T, every head:
    /// for KV head g and its G query heads, S = Q̃·K_gᵀ/√hd ([G, T]), P = softmax(S), O = P·V_g ([G, hd]).
    /// q, out: [H·hd] (one row); k, v: [T, KV·hd].
    func attendLastToken(length t: Int, shape: LayerShape, q: UnsafePointer<Float>, k: UnsafePointer<Float>,
                         v: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>) {
        let hd = shape.headDim, kw = shape.kvWidth, group = shape.groupSize
        let scores = workspace.attentionScratch.reserve(group * t)  // P: [G, T]
        for kv in 0..<shape.kvHeads {
            let qg = q + kv * group * hd, og = out + kv * group * hd  // Q̃, O: [G, hd] (heads gG ..< gG+G are adjacent)
            Gemm.sgemm(m: group, n: t, k: hd, a: qg, lda: hd, b: k + kv * hd, ldb: kw, c: scores, ldc: t, threads: 1)
            Kernels.causalSoftmax(rows: group, count: t, firstValid: t, scale: 1 / Float(hd).squareRoot(),
                                  x: scores, ld: t)
            // O = P·V_g: [G, T]·[T, hd] with V_g rows strided by KV·hd.
            Kernels.weightedRowSum(rows: group, count: t, width: hd, weights: scores, values: v + kv * hd, ldv: kw, out: og)
        }
    }
}
