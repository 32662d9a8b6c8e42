import TensorCore

/// Activation buffers of one forward pass, allocated once and reused for every layer and call.
/// Shapes for a batch of R rows (see `LlamaGeometry` for the symbols).
final class ForwardWorkspace {
    var input = FloatBuffer()              // L_{k-1}: [R, D]
    var output = FloatBuffer()             // L_k: [R, D]
    let attentionResidual = FloatBuffer()  // Y_k: [R, D]
    let mlpOutput = FloatBuffer()          // M_k: [R, D]
    let normed = FloatBuffer()             // RMSNorm(·): [R, D]
    let lastInput = FloatBuffer()          // L_{k-1} at each sample's last token: [S, D] (FinalLayerRows.lastTokens)
    let query = FloatBuffer()              // [R, H·hd]
    let key = FloatBuffer()                // [R, KV·hd]
    let value = FloatBuffer()              // [R, KV·hd]
    let attention = FloatBuffer()          // softmax(q·kᵀ/√hd)·v per head: [R, H·hd]
    let attentionScratch = FloatBuffer()   // Vᵀ [KV, hd, T] + scores [workers, 64, T]
    let gate = FloatBuffer()               // [rowChunk, I]
    let up = FloatBuffer()                 // [rowChunk, I]
    let ropeCos = FloatBuffer()            // [Tmax, hd/2]
    let ropeSin = FloatBuffer()            // [Tmax, hd/2]
    let head = FloatBuffer()               // streamed head rows: [vocabChunk, D]
    let logits = FloatBuffer()             // [rowBlock, vocabChunk]
    let zeros = FloatBuffer()              // M_k = 0 of a dropped layer, for observers: [R, D]

    /// Swaps L_{k-1} and L_k after a layer: the output becomes the next layer's input.
    func advance() { swap(&input, &output) }

    private var buffers: [FloatBuffer] {
        [input, output, attentionResidual, mlpOutput, normed, lastInput, query, key, value, attention, attentionScratch,
         gate, up, ropeCos, ropeSin, head, logits, zeros]
    }

    /// Bytes allocated now, every buffer at its capacity (what `ForwardMemory` plans; the head chunk is counted
    /// there as weights).
    var allocatedBytes: Int { buffers.reduce(0) { $0 + $1.capacity * 4 } - head.capacity * 4 }

    /// Frees everything (the workspace stays usable).
    func release() {
        for b in buffers { b.release() }
    }
}
