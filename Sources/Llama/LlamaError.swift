import SafeTensors

/// Errors of the Llama layer: config.json problems, checkpoint/config disagreements, bad weights and bad
/// forward-pass requests. Each names the file,
/// key or tensor, with what was expected and what was found.
public enum LlamaError: Error, CustomStringConvertible, Equatable {
    case cannotReadConfig(file: String, reason: String)
    case invalidConfigJSON(file: String, reason: String)
    case missingConfigKey(file: String, key: String)
    case invalidConfigValue(file: String, key: String, expected: String, found: String)
    case unsupportedModelType(file: String, modelType: String, supported: [String])
    case inconsistentConfig(file: String, reason: String)
    case missingTensor(tensor: String, directory: String, hint: String)
    case shapeMismatch(tensor: String, file: String, expected: [Int], actual: [Int], hint: String)
    case unexpectedTensor(tensor: String, file: String, reason: String)
    case invalidLayerSelection(reason: String)
    /// A model edit (pruning plan) that does not fit the model; `field` names where it is wrong.
    case invalidEdit(field: String, reason: String)
    /// Something in `file` (at `key`) that the GGUF export cannot write, or a file it needs that is missing.
    case notExportable(file: String, key: String, reason: String)

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
    /// A rope type the forward pass does not implement.
    case unsupportedRopeType(file: String, ropeType: String)
    /// An MLP activation other than SiLU.
    case unsupportedActivation(file: String, activation: String)

    public var description: String {
        switch self {
        case .cannotReadConfig(let f, let r):
            return "cannot read \(f): \(r)"
        case .invalidConfigJSON(let f, let r):
            return "\(f) is not valid JSON: \(r)"
        case .missingConfigKey(let f, let k):
            return "\(f) lacks the required key '\(k)'"
        case .invalidConfigValue(let f, let k, let e, let found):
            return "\(f): '\(k)' must be \(e), found \(found)"
        case .unsupportedModelType(let f, let t, let supported):
            return "\(f): model_type '\(t)' is not supported (supported: \(supported.joined(separator: ", ")))"
        case .inconsistentConfig(let f, let r):
            return "\(f): \(r)"
        case .notExportable(let f, let k, let r):
            return "\(f): \(k) \(r)"
        case .missingTensor(let t, let d, let h):
            return "checkpoint \(d) lacks tensor '\(t)'" + (h.isEmpty ? "" : " (\(h))")
        case .shapeMismatch(let t, let f, let e, let a, let h):
            return "\(f): tensor '\(t)' has shape \(a) but config.json implies \(e)" + (h.isEmpty ? "" : " (\(h))")
        case .unexpectedTensor(let t, let f, let r):
            return "\(f): unexpected tensor '\(t)': \(r)"
        case .invalidEdit(let field, let r):
            return "the pruning plan does not fit the model: \(field): \(r)"
        case .invalidLayerSelection(let r):
            return "invalid layer selection: \(r)"
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
        case .unsupportedRopeType(let f, let t):
            return "\(f): rope type '\(t)' is not supported (supported: default, llama3)"
        case .unsupportedActivation(let f, let a):
            return "\(f): hidden_act '\(a)' is not supported (supported: silu)"
        }
    }
}
