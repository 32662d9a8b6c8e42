/// Receives the activations of every decoder layer during `LlamaModel.forward`.
///
/// Calibration code (ReplaceMe distances, least-squares statistics) reads what it needs here instead of
/// re-implementing the model. `observe` is called once per layer k = 0, 1, … (up to the `through` layer),
/// after ALL samples of the batch went through layer k, and before layer k+1 runs.
public protocol LayerObserver: AnyObject {
    /// Throwing aborts the forward pass with that error.
    func observe(_ states: LayerStates) throws
}

/// The four residual-stream activations of decoder layer `layer` = k, for the whole batch.
///
/// Notation of `replaceme-algorithm.md` §1 (HF `LlamaDecoderLayer`):
/// ```
/// input             = L_{k-1}                        (L_{-1} = token embeddings)
/// attentionResidual = Y_k = L_{k-1} + Attn_k(RMSNorm_in_k(L_{k-1}))
/// mlpOutput         = M_k = MLP_k(RMSNorm_post_k(Y_k))     (= output of HF's `layers[k].mlp`, after down_proj)
/// output            = L_k = Y_k + M_k                 (raw residual stream, never final-normed)
/// ```
/// HF `hidden_states[k]` = `input` of layer k, and `hidden_states[k+1]` = `output` of layer k for k < L−1;
/// HF's last entry `hidden_states[L]` is `RMSNorm_final(L_{L-1})`: get it with `LlamaModel.applyFinalNorm`.
///
/// Every matrix is [R, D] row-major Float32, rows = all samples stacked: row `sampleRows[s].lowerBound + t`
/// is token t (position t) of sample s; the last token of sample s is row `sampleRows[s].upperBound - 1`.
/// The pointers are valid only during the `observe` call (the buffers are reused for the next layer):
/// copy what you keep.
public struct LayerStates {
    /// k, 0-based.
    public let layer: Int
    /// R: total rows of the batch.
    public let rows: Int
    /// D: hidden size (row length and row stride of every matrix).
    public let hiddenSize: Int
    /// Row range of each sample.
    public let sampleRows: [Range<Int>]
    /// L_{k-1}: [R, D].
    public let input: UnsafePointer<Float>
    /// Y_k: [R, D].
    public let attentionResidual: UnsafePointer<Float>
    /// M_k: [R, D].
    public let mlpOutput: UnsafePointer<Float>
    /// L_k: [R, D].
    public let output: UnsafePointer<Float>

    /// Row `row` of a [R, D] matrix as a buffer of D floats.
    public func row(_ matrix: UnsafePointer<Float>, _ row: Int) -> UnsafeBufferPointer<Float> {
        UnsafeBufferPointer(start: matrix + row * hiddenSize, count: hiddenSize)
    }
}

/// An observer made from a closure.
public final class ClosureObserver: LayerObserver {
    private let body: (LayerStates) throws -> Void
    public init(_ body: @escaping (LayerStates) throws -> Void) { self.body = body }
    public func observe(_ states: LayerStates) throws { try body(states) }
}
