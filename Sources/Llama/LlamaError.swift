/// Errors of the Llama layer: bad model inputs, bad weights, bad requests. Each names what is wrong.
public enum LlamaError: Error, CustomStringConvertible, Equatable {
    /// A forward pass got no samples.
    case emptyBatch
    /// Sample `sample` has no tokens.
    case emptySample(sample: Int)
    /// Sample `sample` is longer than `max_position_embeddings`.
    case sequenceTooLong(sample: Int, length: Int, maxPositions: Int)
    /// A token id outside `0..<vocabSize`.
    case tokenOutOfRange(sample: Int, position: Int, token: Int32, vocabSize: Int)
    /// `through` layer outside `0..<layerCount`.
    case layerOutOfRange(layer: Int, layerCount: Int)
    /// Logits were requested from a forward pass that stops before the last layer.
    case logitsNeedAllLayers(through: Int, layerCount: Int)
    /// A weight tensor holds NaN or ±Inf.
    case nonFiniteWeight(tensor: String, index: Int, value: Float)
    /// The logits of batch row `row` are NaN or infinite.
    case nonFiniteLogits(row: Int)
    /// Perplexity needs at least one full window.
    case textTooShort(tokens: Int, needed: Int, seqLen: Int)

    public var description: String {
        switch self {
        case .emptyBatch:
            return "forward pass called with no samples"
        case .emptySample(let s):
            return "sample \(s) has no tokens"
        case .sequenceTooLong(let s, let n, let maxPositions):
            return "sample \(s) has \(n) tokens, more than the model's max_position_embeddings (\(maxPositions))"
        case .tokenOutOfRange(let s, let p, let token, let vocab):
            return "token id \(token) at position \(p) of sample \(s) is outside the vocabulary (0..<\(vocab))"
        case .layerOutOfRange(let layer, let count):
            return "layer \(layer) does not exist: the model has layers 0...\(count - 1)"
        case .logitsNeedAllLayers(let through, let count):
            return "logits need all \(count) layers, but the forward pass stops after layer \(through)"
        case .nonFiniteWeight(let tensor, let index, let value):
            return "tensor '\(tensor)' holds a non-finite value (\(value)) at element \(index)"
        case .nonFiniteLogits(let row):
            return "the logits of row \(row) are not finite (NaN or Inf in the activations)"
        case .textTooShort(let tokens, let needed, let seqLen):
            return "the text has \(tokens) tokens, fewer than one window needs (\(needed) for --seq-len \(seqLen)); "
                + "use a longer text or a smaller --seq-len"
        }
    }
}
