import Foundation
import TensorCore

/// The LLaMA-family decoder (LLaMA, Qwen2-style biases, explicit head_dim, GQA, llama3 rope), whole-sequence
/// prefill on the CPU in Float32, computing what Hugging Face `LlamaForCausalLM` computes in fp32.
///
/// Layer streaming: `forward` pushes ALL samples of a batch through layer k before layer k+1 and needs only
/// layer k's weights meanwhile. With `.streaming` residency each layer is converted to Float32 from the source
/// when needed and dropped after use (peak ≈ one layer of Float32 weights + head chunk + activations), so a
/// checkpoint larger than RAM in Float32 still runs. With `.cached` residency converted layers are kept for
/// later calls (faster when the whole model fits comfortably).
///
/// The model (per sample, positions t = 0..T−1):
/// ```
/// L_{-1} = E[tokens]                                  E: [V, D]
/// for k in 0..<L:  (see LayerWeights)  Y_k = L_{k-1} + Attn_k(…),  M_k = MLP_k(…),  L_k = Y_k + M_k
/// logits = RMSNorm_final(L_{L-1}) · W_headᵀ           W_head: [V, D] (lm_head, or E when tied)
/// ```
/// Not thread-safe: one forward at a time per instance.
public final class LlamaModel {
    /// Whether converted layer weights are kept between uses.
    public enum Residency: String, Sendable, Equatable {
        case streaming, cached
    }

    public let geometry: LlamaGeometry
    public let residency: Residency
    let source: LlamaWeightSource
    /// RMSNorm_final weight: [D].
    let finalNorm: [Float]
    /// Converted layers kept in `.cached` residency (filled lazily).
    var layerCache: [LayerWeights?]
    /// With `.cached` residency, each layer's weights under the last edit asked for that changes them.
    var editedCache: [(edit: LayerEdit, weights: LayerWeights)?]
    /// The reused layer buffer of `.streaming` residency (allocated on first use).
    var streamedLayer: LayerWeights?
    /// The whole head [V, D] in `.cached` residency (loaded lazily).
    var headCache: [Float]?
    let workspace = ForwardWorkspace()

    /// - Parameter residency: nil chooses `automaticResidency`.
    public init(source: LlamaWeightSource, residency: Residency? = nil) throws {
        self.source = source
        self.geometry = source.geometry
        self.residency = residency ?? Self.automaticResidency(geometry: source.geometry, biases: source.biasLayout)
        self.finalNorm = try source.loadFinalNorm()
        self.layerCache = Array(repeating: nil, count: source.geometry.layerCount)
        self.editedCache = Array(repeating: nil, count: source.geometry.layerCount)
    }

    /// `.cached` when all layers and the head in Float32 take at most a quarter of physical memory,
    /// else `.streaming`.
    public static func automaticResidency(geometry g: LlamaGeometry, biases: LayerBiasLayout) -> Residency {
        let elements = g.layerCount * g.layerElementCount(biases: biases) + g.vocabSize * g.hiddenSize
        let bytes = Double(elements) * 4
        return bytes <= Double(ProcessInfo.processInfo.physicalMemory) / 4 ? .cached : .streaming
    }

    /// Runs the batch through layers `0...through` (default: all) of the model as `edit` changes it (default:
    /// unedited), calling `observer` after each layer and, when running through the last layer, handing the
    /// logits to `logits` tile by tile.
    ///
    /// - Parameters:
    ///   - edit: a pruning plan (`ModelEdit`, validated here against the geometry). A dropped layer is not loaded
    ///     or run (its observer states have L_k = Y_k = L_{k-1}, M_k = 0); a dropped sub-block is skipped; kept
    ///     channels and groups run narrower weights; transforms and scales run folded, rounded as a written
    ///     checkpoint stores them (`LayerEditing`).
    ///   - through: last layer to run (0-based, inclusive, a layer of the checkpoint). Layers after it are not
    ///     run (nor loaded).
    ///   - observer: receives L_{k-1}, Y_k, M_k, L_k of every layer run (see `LayerStates`).
    ///   - logits: receives `RMSNorm_final(L_{L-1})·W_headᵀ`; only allowed when `through` is the last layer.
    ///   - finalRows: which rows layer `through` computes (`.lastTokens`: one per sample; no logits then).
    ///   - resume: start at layer `resume.layer` from `resume.input` = L_{layer−1} ([R, D], e.g. kept from an earlier
    ///     pass over the same batch) instead of the embeddings: layers before it are neither loaded nor run, so
    ///     edits that differ only from that layer on share the work before it.
    ///   - progress: `(layers done, layers total)`.
    public func forward(_ batch: ForwardBatch, edit: ModelEdit? = nil, through: Int? = nil, observer: LayerObserver? = nil,
                        logits sink: LogitsSink? = nil, finalRows: FinalLayerRows = .all,
                        resume: (layer: Int, input: UnsafePointer<Float>)? = nil,
                        progress: ((Int, Int) -> Void)? = nil) throws {
        let g = geometry
        let last = through ?? g.layerCount - 1
        guard (0..<g.layerCount).contains(last) else {
            throw LlamaError.layerOutOfRange(layer: last, layerCount: g.layerCount)
        }
        if sink != nil && last != g.layerCount - 1 {
            throw LlamaError.logitsNeedAllLayers(through: last, layerCount: g.layerCount)
        }
        precondition(sink == nil || finalRows == .all, "logits need every row of the last layer")
        try edit?.validate(geometry: g)
        try validate(batch)

        let rows = batch.rows, d = g.hiddenSize
        let ws = workspace
        let x = ws.input.reserve(rows * d)
        let first = resume?.layer ?? 0
        if let resume {
            guard (0...last).contains(resume.layer) else {
                throw LlamaError.layerOutOfRange(layer: resume.layer, layerCount: last + 1)
            }
            Kernels.copy(count: rows * d, from: resume.input, to: x)
        } else {
            try batch.tokens.withUnsafeBufferPointer { try source.gatherEmbeddings($0, into: x) }
        }
        prepareRope(maxLength: batch.maxLength)

        for k in first...last {
            let layerEdit = edit?.layers[k] ?? LayerEdit()
            let s = batch.sampleCount
            if layerEdit.isDropped {
                // Nothing runs: L_k = Y_k = L_{k-1}, M_k = 0 (the zero matrix only when someone looks).
                if let observer {
                    let input = UnsafePointer(ws.input.pointer)
                    let zeros = ws.zeros.reserve(rows * d)
                    zeros.initialize(repeating: 0, count: rows * d)
                    try observer.observe(LayerStates(layer: k, rows: rows, hiddenSize: d, sampleRows: batch.sampleRows,
                                                     input: input, attentionResidual: input,
                                                     mlpOutput: UnsafePointer(zeros), output: input))
                }
                progress?(k + 1, last + 1)
                continue
            }
            let compact = finalRows == .lastTokens && k == last    // one row per sample (LlamaModel+LastTokens)
            try withLayer(k, layerEdit) { w in compact ? runLayerLastTokens(w, batch: batch) : runLayer(w, batch: batch) }
            if let observer {
                try observer.observe(LayerStates(
                    layer: k, rows: compact ? s : rows, hiddenSize: d,
                    sampleRows: compact ? (0..<s).map { $0..<($0 + 1) } : batch.sampleRows,
                    input: UnsafePointer(compact ? ws.lastInput.pointer : ws.input.pointer),
                    attentionResidual: UnsafePointer(ws.attentionResidual.pointer),
                    mlpOutput: UnsafePointer(ws.mlpOutput.pointer), output: UnsafePointer(ws.output.pointer)))
            }
            ws.advance()
            progress?(k + 1, last + 1)
        }
        if let sink {
            try computeLogits(batch: batch, sink: sink)
        }
    }

    /// `y[r, :] = RMSNorm_final(x[r, :])` for r < rows; x, y: [rows, D] (may alias).
    /// HF's last `hidden_states` entry is this applied to L_{L-1}.
    public func applyFinalNorm(rows: Int, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        finalNorm.withUnsafeBufferPointer { w in
            Kernels.rmsNorm(rows: rows, dim: geometry.hiddenSize, x: x, weight: w.baseAddress!,
                            eps: geometry.rmsNormEps, y: y)
        }
    }

    /// With `.cached` residency, converts every layer (and the head, when `head`) now, otherwise the first
    /// forward does it lazily; does nothing when streaming. progress: (layers done, layers total).
    public func preload(head: Bool = true, progress: ((Int, Int) -> Void)? = nil) throws {
        guard residency == .cached else { return }
        for k in 0..<geometry.layerCount {
            try withLayer(k) { _ in }
            progress?(k + 1, geometry.layerCount)
        }
        if head { try loadHeadCache() }
    }

    /// Drops cached weights and activation buffers (the model stays usable).
    public func releaseMemory() {
        layerCache = Array(repeating: nil, count: geometry.layerCount)
        editedCache = Array(repeating: nil, count: geometry.layerCount)
        streamedLayer = nil
        headCache = nil
        workspace.release()
    }

    /// Drops the activation buffers only (sized for the largest batch run so far), keeping cached weights: for a
    /// caller about to run much smaller batches.
    public func releaseWorkspace() {
        workspace.release()
    }

    /// Checks sample lengths and token ids.
    func validate(_ batch: ForwardBatch) throws {
        guard batch.sampleCount > 0 else { throw LlamaError.emptyBatch }
        let g = geometry
        for (s, range) in batch.sampleRows.enumerated() {
            guard !range.isEmpty else { throw LlamaError.emptySample(sample: s) }
            guard range.count <= g.maxPositions else {
                throw LlamaError.sequenceTooLong(sample: s, length: range.count, maxPositions: g.maxPositions)
            }
            for r in range where batch.tokens[r] < 0 || Int(batch.tokens[r]) >= g.vocabSize {
                throw LlamaError.tokenOutOfRange(sample: s, position: r - range.lowerBound, token: batch.tokens[r],
                                                 vocabSize: g.vocabSize)
            }
        }
    }

    /// Calls `body` with layer k's Float32 weights under `edit`, loading them as the residency dictates. Cached:
    /// the checkpoint's layer is kept, and the edited one beside it for as long as the same edit is asked for.
    func withLayer(_ k: Int, _ edit: LayerEdit = LayerEdit(), _ body: (LayerWeights) throws -> Void) throws {
        let storage = { [source] (part: WeightName.LayerPart) in source.storageType(ofLayer: k, part) }
        let needsEditing = edit.changesWeights || !edit.attention || !edit.mlp
        switch residency {
        case .cached:
            if layerCache[k] == nil {
                var w = LayerWeights(geometry: geometry, biases: source.biasLayout)
                try source.loadLayer(k, into: &w)
                layerCache[k] = w
            }
            guard needsEditing else { return try body(layerCache[k]!) }
            if editedCache[k]?.edit != edit {
                editedCache[k] = (edit, layerCache[k]!.edited(by: edit, storage: storage))
            }
            try body(editedCache[k]!.weights)
        case .streaming:
            var w = streamedLayer ?? LayerWeights(geometry: geometry, biases: source.biasLayout)
            streamedLayer = nil  // keep `w` uniquely referenced so loading writes in place
            try source.loadLayer(k, into: &w)
            try body(needsEditing ? w.edited(by: edit, storage: storage) : w)
            streamedLayer = w
        }
    }

    /// cos/sin tables for positions 0..<maxLength: [maxLength, hd/2] each.
    func prepareRope(maxLength: Int) {
        let half = geometry.headDim / 2
        let (c, s) = RoPE.tables(invFreq: geometry.inverseFrequencies, start: 0, count: maxLength)
        let pc = workspace.ropeCos.reserve(maxLength * half), ps = workspace.ropeSin.reserve(maxLength * half)
        c.withUnsafeBufferPointer { pc.update(from: $0.baseAddress!, count: c.count) }
        s.withUnsafeBufferPointer { ps.update(from: $0.baseAddress!, count: s.count) }
    }
}
