import TensorCore

extension LlamaModel {
    /// Vocabulary rows of the head processed per tile column block (`ForwardMemory.vocabChunk`).
    var vocabChunk: Int { ForwardMemory.vocabChunk(geometry: geometry, residency: residency) }

    /// Batch rows per logits tile.
    static let logitsRowBlock = ForwardMemory.logitsRowBlock

    /// With `.cached` residency, converts the whole head [V, D] once.
    func loadHeadCache() throws {
        guard residency == .cached && headCache == nil else { return }
        let vocab = geometry.vocabSize, d = geometry.hiddenSize
        var h = [Float](repeating: 0, count: vocab * d)
        try h.withUnsafeMutableBufferPointer { try source.loadHeadRows(0..<vocab, into: $0.baseAddress!) }
        headCache = h
    }

    /// logits = RMSNorm_final(L_{L-1})·W_headᵀ, tile by tile into `sink`; reads `workspace.input` (= L_{L-1}).
    /// Outer loop over vocabulary chunks (each head chunk converted once), inner loop over row blocks. A
    /// `PairedLogitsSink` also gets its reference's logits for each tile, from the same head chunk.
    func computeLogits(batch: ForwardBatch, sink: LogitsSink) throws {
        let g = geometry, ws = workspace
        let rows = batch.rows, d = g.hiddenSize, vocab = g.vocabSize
        let normed = ws.normed.reserve(rows * d)                        // [R, D]
        applyFinalNorm(rows: rows, x: ws.input.pointer, y: normed)
        try loadHeadCache()
        let vChunk = vocabChunk, rBlock = min(rows, Self.logitsRowBlock)
        let tile = ws.logits.reserve(rBlock * vChunk)                   // [rowBlock, vocabChunk]
        let paired = sink as? PairedLogitsSink
        let refTile = paired.map { _ in UnsafeMutablePointer<Float>.allocate(capacity: rBlock * vChunk) }   // [rowBlock, vocabChunk]
        defer { refTile?.deallocate() }
        var v0 = 0
        while v0 < vocab {
            let vc = min(vChunk, vocab - v0)
            let body = { (head: UnsafePointer<Float>) throws in          // head: [vc, D]
                var r0 = 0
                while r0 < rows {
                    let rc = min(rBlock, rows - r0)
                    Gemm.sgemm(m: rc, n: vc, k: d, a: normed + r0 * d, lda: d, b: head, ldb: d, c: tile, ldc: vc)
                    if let paired, let refTile {
                        try paired.referenceNormed.withUnsafeBufferPointer { ref in
                            Gemm.sgemm(m: rc, n: vc, k: d, a: ref.baseAddress! + r0 * d, lda: d, b: head, ldb: d, c: refTile, ldc: vc)
                        }
                        try paired.consume(rows: r0..<(r0 + rc), vocab: v0..<(v0 + vc), logits: tile, reference: refTile, stride: vc)
                    } else {
                        try sink.consume(rows: r0..<(r0 + rc), vocab: v0..<(v0 + vc), logits: tile, stride: vc)
                    }
                    r0 += rc
                }
            }
            if let headCache {
                try headCache.withUnsafeBufferPointer { try body($0.baseAddress! + v0 * d) }
            } else {
                let buffer = ws.head.reserve(vc * d)
                try source.loadHeadRows(v0..<(v0 + vc), into: buffer)
                try body(buffer)
            }
            v0 += vc
        }
    }
}
