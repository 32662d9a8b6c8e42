import TensorCore

extension LlamaModel {
    /// Rows of the MLP processed at once, so that gate and up ([rows, I] each) stay within ~64 MB together.
    var mlpRowChunk: Int { ForwardMemory.mlpRowChunk(intermediateSize: geometry.intermediateSize) }

    /// One decoder layer over the whole batch: reads `workspace.input` (L_{k-1}), writes
    /// `attentionResidual` (Y_k), `mlpOutput` (M_k) and `output` (L_k). All [R, D]. Widths come from the weights'
    /// `shape` (narrower under an edit); a dropped attention gives Y_k = L_{k-1}, a dropped MLP M_k = 0.
    func runLayer(_ w: LayerWeights, batch: ForwardBatch) {
        let g = geometry, ws = workspace, shape = w.shape
        let rows = batch.rows, d = g.hiddenSize
        let x = ws.input.pointer                                   // L_{k-1}: [R, D]
        let y = ws.attentionResidual.reserve(rows * d)             // Y_k: [R, D]
        let m = ws.mlpOutput.reserve(rows * d)                     // M_k: [R, D]
        let out = ws.output.reserve(rows * d)                      // L_k: [R, D]
        let normed = ws.normed.reserve(rows * d)                   // [R, D]

        // Y_k = L_{k-1} + attn·W_oᵀ (+ b_o)
        Kernels.copy(count: rows * d, from: x, to: y)
        if shape.hasAttention {
            let qw = shape.queryWidth, kw = shape.kvWidth
            let q = ws.query.reserve(rows * qw)                    // [R, H·hd]
            let k = ws.key.reserve(rows * kw)                      // [R, KV·hd]
            let v = ws.value.reserve(rows * kw)                    // [R, KV·hd]
            let attn = ws.attention.reserve(rows * qw)             // [R, H·hd]
            // n₁ = RMSNorm_in(L_{k-1}); q, k, v projections; rope; causal GQA attention per sample.
            rmsNorm(rows: rows, x: x, weight: w.inputNorm, y: normed)
            project(normed, rows: rows, inDim: d, weight: w.q, bias: w.qBias, outDim: qw, out: q)
            project(normed, rows: rows, inDim: d, weight: w.k, bias: w.kBias, outDim: kw, out: k)
            project(normed, rows: rows, inDim: d, weight: w.v, bias: w.vBias, outDim: kw, out: v)
            attend(batch: batch, shape: shape, q: q, k: k, v: v, out: attn)
            project(attn, rows: rows, inDim: qw, weight: w.o, bias: w.oBias, outDim: d, out: y, accumulate: true)
        }

        // M_k = down(silu(gate(n₂)) ⊙ up(n₂)), n₂ = RMSNorm_post(Y_k); in row chunks to bound [rows, I].
        guard shape.hasMLP else {
            m.initialize(repeating: 0, count: rows * d)
            Kernels.copy(count: rows * d, from: y, to: out)
            return
        }
        let inter = shape.intermediateSize
        rmsNorm(rows: rows, x: y, weight: w.postAttentionNorm, y: normed)
        let chunk = min(rows, mlpRowChunk)
        let gate = ws.gate.reserve(chunk * inter), up = ws.up.reserve(chunk * inter)  // [chunk, I] each
        var r0 = 0
        while r0 < rows {
            let n = min(chunk, rows - r0)
            project(normed + r0 * d, rows: n, inDim: d, weight: w.gate, bias: w.gateBias, outDim: inter, out: gate)
            project(normed + r0 * d, rows: n, inDim: d, weight: w.up, bias: w.upBias, outDim: inter, out: up)
            Kernels.siluGate(count: n * inter, gate: gate, up: up, out: gate)
            project(gate, rows: n, inDim: inter, weight: w.down, bias: w.downBias, outDim: d, out: m + r0 * d)
            r0 += n
        }

        // L_k = Y_k + M_k
        Kernels.sum(count: rows * d, x: y, y: m, out: out)
    }

    /// Rope on q and k, then causal attention, sample by sample (positions restart at 0 in each sample).
    /// Head counts are the layer's (`shape`: fewer under an edit that keeps some KV groups).
    func attend(batch: ForwardBatch, shape: LayerShape, q: UnsafeMutablePointer<Float>, k: UnsafeMutablePointer<Float>,
                v: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>) {
        let qw = shape.queryWidth, kw = shape.kvWidth
        let cos = UnsafePointer(workspace.ropeCos.pointer), sin = UnsafePointer(workspace.ropeSin.pointer)
        for range in batch.sampleRows {
            let r0 = range.lowerBound, t = range.count
            Kernels.rope(rows: t, heads: shape.heads, headDim: shape.headDim, x: q + r0 * qw, cos: cos, sin: sin)
            Kernels.rope(rows: t, heads: shape.kvHeads, headDim: shape.headDim, x: k + r0 * kw, cos: cos, sin: sin)
            Kernels.causalAttention(seqLen: t, heads: shape.heads, kvHeads: shape.kvHeads, headDim: shape.headDim,
                                 q: q + r0 * qw, k: k + r0 * kw, v: v + r0 * kw, out: out + r0 * qw,
                                 scratch: workspace.attentionScratch)
        }
    }

    /// y = RMSNorm(x; weight): x, y: [rows, D].
    func rmsNorm(rows: Int, x: UnsafePointer<Float>, weight: [Float], y: UnsafeMutablePointer<Float>) {
        weight.withUnsafeBufferPointer { w in
            Kernels.rmsNorm(rows: rows, dim: geometry.hiddenSize, x: x, weight: w.baseAddress!,
                            eps: geometry.rmsNormEps, y: y)
        }
    }

    /// A `Linear`: `out (=|+=) x·Wᵀ + b`. x: [rows, inDim]; W: [outDim, inDim]; b: [outDim]; out: [rows, outDim].
    func project(_ x: UnsafePointer<Float>, rows: Int, inDim: Int, weight: [Float], bias: [Float]?, outDim: Int,
                 out: UnsafeMutablePointer<Float>, accumulate: Bool = false) {
        weight.withUnsafeBufferPointer { w in
            Gemm.sgemm(m: rows, n: outDim, k: inDim, a: x, lda: inDim, b: w.baseAddress!, ldb: inDim,
                       c: out, ldc: outDim, accumulate: accumulate)
        }
        if let bias {
            bias.withUnsafeBufferPointer { b in
                for r in 0..<rows { Kernels.add(count: outDim, x: b.baseAddress!, y: out + r * outDim) }
            }
        }
    }
}
