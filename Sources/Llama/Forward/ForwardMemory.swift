import TensorCore

/// What the forward pass will hold, in bytes, stated before it holds it: the Float32 weights its residency keeps
/// and the activation buffers of `ForwardWorkspace` for a batch. Each formula follows the buffers' shape comments
/// (symbols as in `LlamaGeometry`), and `LlamaModel` takes its chunk sizes from here, so the two cannot drift.
/// Upper bounds: a buffer a call does not use (the logits tile without logits) is not counted, every other one is
/// counted at its largest.
public struct ForwardMemory: Sendable {
    public let geometry: LlamaGeometry
    public let biases: LayerBiasLayout
    public let residency: LlamaModel.Residency
    /// Bytes per stored element of the checkpoint (2 for bf16/f16, 4 for f32): the mapped pages of the tensor
    /// being converted are resident until it is done (`MappedFile.release`).
    public let storedElementBytes: Int

    public init(geometry: LlamaGeometry, biases: LayerBiasLayout, residency: LlamaModel.Residency, storedElementBytes: Int = 4) {
        self.geometry = geometry; self.biases = biases; self.residency = residency
        self.storedElementBytes = storedElementBytes
    }

    /// Bytes per stored element of `source`'s layer weights (the widest of a layer's parts).
    public static func storedElementBytes(_ source: LlamaWeightSource) -> Int {
        WeightName.LayerPart.allCases.map { source.storageType(ofLayer: 0, $0).byteSize }.max() ?? 4
    }

    /// Rows of the MLP processed at once, so that gate and up ([rows, I] each) stay within ~64 MB together.
    public static func mlpRowChunk(intermediateSize: Int) -> Int { max(64, (1 << 23) / max(intermediateSize, 1)) }

    /// Vocabulary rows of the head per logits tile column block: 8192 from a cached head, ~64 MB of Float32 head
    /// rows when they are converted chunk by chunk (streaming).
    public static func vocabChunk(geometry g: LlamaGeometry, residency: LlamaModel.Residency) -> Int {
        let v = g.vocabSize
        return residency == .cached ? min(v, 8192) : min(v, max(1024, (1 << 24) / g.hiddenSize))
    }

    /// Batch rows per logits tile.
    public static let logitsRowBlock = 512

    /// Bytes of one decoder layer in Float32.
    public var layerBytes: Int { geometry.layerElementCount(biases: biases) * 4 }
    /// Bytes of the head [V, D] in Float32.
    public var headBytes: Int { geometry.vocabSize * geometry.hiddenSize * 4 }

    /// Float32 weights held. Cached: every layer, plus the head when `head`, plus `editedLayers` edited copies
    /// (`LlamaModel.editedCache`). Streaming: the one reused layer buffer, plus an edited copy when
    /// `editedLayers > 0`, plus one converted head chunk when `head`. An edit that folds a transform also holds
    /// W_down in Float64 ([D, I]) while it folds. The mapped source of the largest piece converted at once (a
    /// layer's MLP matrix, the head or one head chunk) is counted too.
    public func weightBytes(head: Bool, editedLayers: Int = 0) -> Int {
        let g = geometry, d = g.hiddenSize
        let fold = editedLayers > 0 ? d * g.intermediateSize * 8 : 0
        let chunk = residency == .cached ? g.vocabSize : Self.vocabChunk(geometry: g, residency: .streaming)
        let mapped = max(g.intermediateSize, head ? chunk : 0) * d * storedElementBytes
        switch residency {
        case .cached:
            return g.layerCount * layerBytes + (head ? headBytes : 0) + editedLayers * layerBytes + fold + mapped
        case .streaming:
            return layerBytes * (editedLayers > 0 ? 2 : 1) + (head ? chunk * d * 4 : 0) + fold + mapped
        }
    }

    /// The workspace for a batch of `rows` rows whose samples have at most `maxLength` tokens, with the logits
    /// tile when `logits`:
    /// `4·(R·(6D + 2·H·hd + 2·KV·hd) + KV·hd·T + workers·(2·64·G·hd + 64·G·T) + 2·chunk·I + T·hd
    ///    [+ 512·vocabChunk])`, G = H / KV (the blocked attention's stacked query rows per worker).
    public func workspaceBytes(rows: Int, maxLength: Int, logits: Bool) -> Int {
        let g = geometry, d = g.hiddenSize, qw = g.queryWidth, kw = g.kvWidth, t = maxLength
        let perRow = 6 * d + 2 * qw + 2 * kw                     // input, output, Y, M, normed, zeros; q, attn; k, v
        let stacked = 64 * (g.heads / max(g.kvHeads, 1))
        let attention = kw * t + Parallel.defaultThreads * (stacked * g.headDim * 2 + stacked * t)
        let mlp = 2 * min(rows, Self.mlpRowChunk(intermediateSize: g.intermediateSize)) * g.intermediateSize
        let rope = t * g.headDim
        let tile = logits ? min(rows, Self.logitsRowBlock) * Self.vocabChunk(geometry: g, residency: residency) : 0
        return 4 * (rows * perRow + attention + mlp + rope + tile)
    }
}
