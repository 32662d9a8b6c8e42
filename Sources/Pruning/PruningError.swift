/// Everything that can go wrong while pruning, each case with the context a user needs to fix it.
public enum PruningError: Error, CustomStringConvertible, Equatable {
    /// A text file (calibration or evaluation) could not be read.
    case textUnreadable(file: String, reason: String)
    /// A text file is not valid UTF-8 (byte offset and 1-based line of the first bad byte).
    case textNotUTF8(file: String, line: Int, byteOffset: Int)
    /// A JSON-lines line is not what the file needs (a JSON object with `"text": string` or `"ids": [int]`).
    case badJSONLine(file: String, line: Int, reason: String)
    /// No calibration tokens at all.
    case calibrationEmpty(files: [String])
    /// Fewer tokens than `samples × seqLen`.
    case calibrationTooShort(tokens: Int, samples: Int, seqLen: Int)
    /// A token id outside the model's vocabulary (pre-tokenized input).
    case calibrationTokenOutOfRange(file: String, line: Int, id: Int, vocabSize: Int)
    /// Text from `file` tokenized to an id the model's embedding does not have.
    case tokenBeyondVocabulary(file: String, token: String?, id: Int, vocabSize: Int)
    /// Span length n is not in 1...numLayers-2.
    case spanTooLong(n: Int, numLayers: Int)
    /// A forced start puts the span outside 1...numLayers-n (layer 0 is always kept, see SpanSelector).
    case spanOutOfRange(start: Int, n: Int, numLayers: Int)
    /// `--spans K` windows of length n cannot be placed without overlap.
    case tooManySpans(requested: Int, placed: Int, n: Int, numLayers: Int)
    /// A statistic (Gram matrix, cross term, distance) contains NaN or ±Inf.
    case nonFinite(statistic: String, layer: Int)
    /// G + αI could not be factorised (fewer independent rows than dimensions, and no fallback could fix it).
    case singularGram(layer: Int, reason: String)
    /// A plan file that cannot be read, or does not fit the checkpoint; `field` names where (`layers[2].layer`).
    case invalidPlan(file: String, field: String, reason: String)
    /// A plan the requested output format cannot hold (e.g. per-layer widths in a uniform checkpoint).
    case planNotWritable(layer: Int, reason: String)
    /// Selection by perplexity chooses one span among candidates: it cannot be combined with several spans or a
    /// forced start.
    case selectionNeedsOneSpan
    /// A sweep request that cannot run (empty or repeated layer counts).
    case invalidSweep(reason: String)
    /// The output directory already exists (and `--force` was not given).
    case outputExists(path: String)
    /// The output directory is the input directory or inside it.
    case outputInsideInput(output: String, input: String)
    /// `--seq-len` exceeds the model's context length.
    case sequenceTooLong(seqLen: Int, maxPositions: Int)
    /// A tensor has a shape or dtype the pruning step cannot handle.
    case unsupportedTensor(name: String, reason: String)
    /// `--max-memory` is below what the leanest settings need (`detail`: that plan's summary).
    case memoryBudgetTooSmall(budget: Int, needed: Int, detail: String)
    /// Inconsistent sizes handed to an accumulator or folder (programming or checkpoint error).
    case shapeMismatch(what: String, expected: String, actual: String)
    /// An option's value does not fit the method or the checkpoint (`name` without the dashes).
    case invalidOption(name: String, reason: String)
    /// No sequence of removals the method allows reaches the requested parameter ratio.
    case ratioUnreachable(ratio: Double, reachable: Double, reason: String)
    /// The input has a `per_layer_config` (a heterogeneous checkpoint): it reads and evaluates, but is not written again.
    case heterogeneousInput(path: String)
    /// A heterogeneous plan the requested output format cannot express.
    case formatCannotExpress(format: String, layer: Int, reason: String)

    public var description: String {
        switch self {
        case let .memoryBudgetTooSmall(budget, needed, detail):
            return "--max-memory \(MemoryPlan.format(budget)) is too small: the leanest settings need "
                + "\(MemoryPlan.format(needed)) at their peak; \(detail). Raise --max-memory, or lower --seq-len"
        case let .textUnreadable(file, reason):
            return "cannot read \(file): \(reason)"
        case let .textNotUTF8(file, line, offset):
            return "\(file) is not valid UTF-8: bad byte at offset \(offset) (line \(line))"
        case let .badJSONLine(file, line, reason):
            return "\(file):\(line): \(reason)"
        case let .calibrationEmpty(files):
            return "the calibration data contains no tokens (files: \(files.joined(separator: ", ")))"
        case let .calibrationTooShort(tokens, samples, seqLen):
            return "the calibration data has \(tokens) tokens, fewer than --samples \(samples) × --seq-len \(seqLen) "
                + "= \(samples * seqLen); add text or lower --samples / --seq-len"
        case let .calibrationTokenOutOfRange(file, line, id, vocab):
            return "calibration file '\(file)' line \(line): token id \(id) is outside the vocabulary (size \(vocab))"
        case let .tokenBeyondVocabulary(file, token, id, vocab):
            return "\(file): the text tokenizes to \(token.map { "'\($0)' " } ?? "")(id \(id)), beyond the model's vocabulary of \(vocab) ids (tokenizer.json and config.json disagree)"
        case let .spanTooLong(n, layers):
            return "cannot remove \(n) layers from a model with \(layers) layers: n must be between 1 and "
                + "\(layers - 2) (layer 0 and at least one later layer are always kept)"
        case let .spanOutOfRange(start, n, layers):
            return "span start \(start) with \(n) layers is out of range: the start must be in 1...\(layers - n) "
                + "for a model with \(layers) layers (layer 0 is never removed; the span must end by the last layer)"
        case let .tooManySpans(requested, placed, n, layers):
            return "could place only \(placed) of \(requested) non-overlapping spans of \(n) layers in \(layers) layers"
        case let .nonFinite(statistic, layer):
            return "non-finite value (NaN or Inf) in \(statistic) at layer \(layer); the model's activations overflow "
                + "there (check the checkpoint, or use fewer/shorter samples)"
        case let .singularGram(layer, reason):
            return "the least-squares system for the span after layer \(layer) is singular (\(reason)); "
                + "pass --ridge with a small positive value or use more calibration samples"
        case let .invalidPlan(file, field, reason):
            return "plan '\(file)': \(field): \(reason)"
        case let .planNotWritable(layer, reason):
            return "the plan cannot be written as a uniform Hugging Face checkpoint: layer \(layer) \(reason)"
        case .selectionNeedsOneSpan:
            return "selection by perplexity chooses one span: it cannot be combined with several spans or a forced start"
        case let .invalidSweep(reason):
            return "sweep: \(reason)"
        case let .outputExists(path):
            return "output '\(path)' already exists; choose another path or pass --force to replace it"
        case let .outputInsideInput(output, input):
            return "output '\(output)' is inside the input checkpoint '\(input)'; write it elsewhere"
        case let .sequenceTooLong(seqLen, maxPositions):
            return "--seq-len \(seqLen) exceeds the model's context length (\(maxPositions) positions)"
        case let .unsupportedTensor(name, reason):
            return "tensor '\(name)': \(reason)"
        case let .shapeMismatch(what, expected, actual):
            return "\(what): expected \(expected), got \(actual)"
        case let .invalidOption(name, reason):
            return "option '--\(name)': \(reason)"
        case let .ratioUnreachable(ratio, reachable, reason):
            return "--ratio \(ratio) cannot be reached: at most " + String(format: "%.2f%%", reachable * 100)
                + " of the parameters can be removed (\(reason))"
        case let .heterogeneousInput(path):
            return "\(path) has a per_layer_config (layers of different shapes): it can be inspected and evaluated, but "
                + "not pruned into a new checkpoint; prune the original checkpoint instead"
        case let .formatCannotExpress(format, layer, reason):
            return "--format \(format) cannot express layer \(layer): \(reason)"
        }
    }
}
